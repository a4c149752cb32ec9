import type { DeliveryRepo } from './repo'

export interface OwnershipOptions {
	/** This process's instance id: the owner written into every lease it takes. */
	owner: string
	/** How long a destination stays this instance's without a renewal. */
	leaseMs: number
}

type LeaseStore = Pick<DeliveryRepo, 'takeDestinations' | 'releaseDestination' | 'releaseDestinations' | 'releaseOrphaned'>

/**
 * The leases of the only instance there is (SQLite: one server per data dir). It wins every
 * destination, so a lease row would only be written to be read back: each newly busy
 * destination cost a write transaction and a sweep of the leased deliveries, and every
 * heartbeat another pair. No row of another owner can exist either: the deliveries a
 * previous process had leased are requeued when the worker starts (releaseExpired), so
 * there are no orphans to sweep.
 */
export const SOLE_INSTANCE: LeaseStore = {
	takeDestinations: async (ids) => ids,
	releaseDestination: async () => {},
	releaseDestinations: async () => {},
	releaseOrphaned: async () => 0
}

/**
 * The destinations this instance owns. Only the owner of a destination sends to it,
 * so its concurrency limit, FIFO order and circuit breaker stay in one process's memory,
 * as on a single instance. Leases are taken when work shows up, renewed on a heartbeat,
 * given up when the destination stays idle (another instance may take it then) and on a
 * graceful stop; a dead instance's leases run out and another instance takes them over.
 */
export class DestinationOwnership {
	/** Destination → lease_until of the lease this instance holds. */
	readonly #held = new Map<string, number>()
	/** Held destinations found idle, since when (given up after a third of the lease). */
	readonly #idleSince = new Map<string, number>()
	/**
	 * Lease writes run one at a time: a renewal interleaved with a release could write
	 * the lease back after it was given up, or forget one this instance still holds.
	 */
	#chain: Promise<unknown> = Promise.resolve()

	constructor(
		/** Storage's leases on a shared database, SOLE_INSTANCE otherwise. */
		private readonly repo: LeaseStore,
		private readonly opts: OwnershipOptions
	) {}

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
	take(ids: string[], now: number): Promise<string[]> {
		return this.#serial(async () => {
			const wanted = ids.filter((id) => !this.owns(id, now))
			if (wanted.length === 0) return []
			const until = now + this.opts.leaseMs
			const won = await this.repo.takeDestinations(wanted, this.opts.owner, until, now)
			const fresh = won.filter((id) => !this.#held.has(id))
			for (const id of won) this.#held.set(id, until)
			if (fresh.length > 0) await this.repo.releaseOrphaned(now)
			return fresh
		})
	}

	/**
	 * Gives up destinations idle (per `idle`) for a third of the lease, so another
	 * instance may take them when their work comes in there. Called between the
	 * worker's passes, never during one. Returns the destinations given up.
	 */
	releaseIdle(now: number, idle: (destinationId: string) => boolean): Promise<string[]> {
		return this.#serial(async () => {
			const released: string[] = []
			for (const id of this.held()) {
				if (!idle(id)) {
					this.#idleSince.delete(id)
					continue
				}
				const since = this.#idleSince.get(id) ?? now
				this.#idleSince.set(id, since)
				if (now - since < this.opts.leaseMs / 3) continue
				this.#forget(id)
				await this.repo.releaseDestination(id, this.opts.owner)
				released.push(id)
			}
			return released
		})
	}

	/**
	 * Heartbeat: renews every held lease and sends deliveries leased by instances that
	 * lost their destination back to the queue. Returns the destinations lost (taken
	 * over after this instance failed to renew in time) and how many deliveries were swept.
	 */
	heartbeat(now: number): Promise<{ lost: string[]; swept: number }> {
		return this.#serial(async () => {
			const ids = this.held()
			const lost: string[] = []
			if (ids.length > 0) {
				const until = now + this.opts.leaseMs
				const kept = new Set(await this.repo.takeDestinations(ids, this.opts.owner, until, now))
				for (const id of ids) {
					if (kept.has(id)) this.#held.set(id, until)
					else (this.#forget(id), lost.push(id))
				}
			}
			return { lost, swept: await this.repo.releaseOrphaned(now) }
		})
	}

	/** Graceful stop: every destination is free for another instance at once. */
	releaseAll(): Promise<void> {
		return this.#serial(async () => {
			this.abandon()
			await this.repo.releaseDestinations(this.opts.owner)
		})
	}

	/** Forgets every lease without writing (a simulated death: they run out on their own). */
	abandon(): void {
		this.#held.clear()
		this.#idleSince.clear()
	}

	#forget(id: string): void {
		this.#held.delete(id)
		this.#idleSince.delete(id)
	}

	#serial<T>(fn: () => Promise<T>): Promise<T> {
		const run = this.#chain.then(fn, fn)
		this.#chain = run.catch(() => {})
		return run
	}
}
