import type { DeliveryRepo } from './repo'

export interface OwnershipOptions {
	/** This process's instance id: the owner written into every lease it takes. */
	owner: string
	/** How long a destination stays this instance's without a renewal. */
	leaseMs: number
	/**
	 * Other instances share the database (PostgreSQL), so leases are contested. False on
	 * SQLite: one instance runs per data dir and always wins (a previous process's leases are void).
	 */
	shared: boolean
}

/**
 * The destinations this instance owns. Only the owner of a destination sends to it,
 * so its concurrency limit, FIFO order and circuit breaker stay in one process's memory,
 * as on a single instance. Leases are taken when work shows up, renewed on a heartbeat,
 * given up when the destination falls idle (another instance may take it then) and on a
 * graceful stop; a dead instance's leases run out and another instance takes them over.
 */
export class DestinationOwnership {
	/** Destination → lease_until of the lease this instance holds. */
	readonly #held = new Map<string, number>()

	constructor(
		private readonly repo: Pick<DeliveryRepo, 'takeDestinations' | 'releaseDestination' | 'releaseDestinations' | 'releaseOrphaned'>,
		private readonly opts: OwnershipOptions
	) {}

	get owner(): string {
		return this.opts.owner
	}

	/** Held, and the lease has not run out (an instance that cannot renew stops sending). */
	owns(destinationId: string, now: number): boolean {
		return (this.#held.get(destinationId) ?? 0) > now
	}

	held(): string[] {
		return [...this.#held.keys()]
	}

	/**
	 * Tries to take the destinations of `ids` this instance does not own yet. Returns
	 * the ones newly won: whoever had them before (a dead or stopped instance) may have
	 * left breaker state (the caller reloads it) and leased deliveries (back to the queue now).
	 */
	async take(ids: string[], now: number): Promise<string[]> {
		const wanted = ids.filter((id) => !this.owns(id, now))
		if (wanted.length === 0) return []
		const until = now + this.opts.leaseMs
		const won = await this.repo.takeDestinations(wanted, this.opts.owner, until, this.#expiredBefore(now))
		const fresh = won.filter((id) => !this.#held.has(id))
		for (const id of won) this.#held.set(id, until)
		if (fresh.length > 0) await this.repo.releaseOrphaned(now)
		return fresh
	}

	/**
	 * Heartbeat: gives up the idle destinations, renews the others, and sends deliveries
	 * leased by instances that lost their destination back to the queue. Returns the
	 * destinations lost (taken over after this instance failed to renew in time) and how
	 * many deliveries were swept.
	 */
	async heartbeat(now: number, idle: (destinationId: string) => boolean): Promise<{ lost: string[]; swept: number }> {
		const lost = await this.#renew(now, idle)
		return { lost, swept: await this.repo.releaseOrphaned(now) }
	}

	async #renew(now: number, idle: (destinationId: string) => boolean): Promise<string[]> {
		for (const id of this.held()) {
			if (!idle(id)) continue
			this.#held.delete(id)
			await this.repo.releaseDestination(id, this.opts.owner)
		}
		const ids = this.held()
		if (ids.length === 0) return []
		const until = now + this.opts.leaseMs
		const kept = new Set(await this.repo.takeDestinations(ids, this.opts.owner, until, this.#expiredBefore(now)))
		const lost: string[] = []
		for (const id of ids) {
			if (kept.has(id)) this.#held.set(id, until)
			else (this.#held.delete(id), lost.push(id))
		}
		return lost
	}

	/** Graceful stop: every destination is free for another instance at once. */
	async releaseAll(): Promise<void> {
		this.#held.clear()
		await this.repo.releaseDestinations(this.opts.owner)
	}

	/** Forgets every lease without writing (a simulated death: they run out on their own). */
	abandon(): void {
		this.#held.clear()
	}

	#expiredBefore(now: number): number {
		return this.opts.shared ? now : Number.MAX_SAFE_INTEGER
	}
}
