import type { PayloadsAhead } from './payloads-ahead'
import type { DeliveryRepo, DeliveryRow } from './repo'

/** What the rows were claimed for: enough of the destination to tell a lease too old to use. */
interface Claimed {
	row: { timeout_ms: number }
}

/**
 * Deliveries leased ahead of a free slot, per destination, oldest first. One claim
 * (one write transaction) feeds many sends, and a finished send can start the next
 * one without a round through the database. The rows stay leased to this worker in
 * storage, so nobody else sends them; they go back to the queue when their destination
 * may not send, and a row held so long that its lease could lapse mid-attempt is
 * given back instead of sent.
 */
export class LeasedAhead<T extends Claimed> {
	readonly #held = new Map<string, { target: T; rows: DeliveryRow[] }>()

	constructor(
		private readonly repo: Pick<DeliveryRepo, 'claim' | 'releaseLeases'>,
		private readonly opts: { owner: string; leaseMs: number; /** rows kept ahead per destination */ depth: number },
		/** Reads each claim's payloads in one go (SQLite), dropped with rows given back. */
		private readonly payloads: PayloadsAhead | null = null
	) {}

	destinations(): string[] {
		return [...this.#held.keys()]
	}

	/** The destination as it was when its held rows were claimed (a change gives them back). */
	targetOf(destinationId: string): T | undefined {
		return this.#held.get(destinationId)?.target
	}

	/** Fewer rows held than half the depth: time for a claim. */
	low(destinationId: string): boolean {
		return (this.#held.get(destinationId)?.rows.length ?? 0) < this.opts.depth / 2
	}

	/** Up to `count` rows to send now, topped up by one claim when few would be left. */
	async take(destinationId: string, target: T, now: number, count: number): Promise<DeliveryRow[]> {
		const held = this.#held.get(destinationId)?.rows ?? []
		// Out of the map while storage answers (PostgreSQL really waits): a slot freed meanwhile
		// must not hand out, through takeHeld, rows this call is about to hand out too.
		this.#held.delete(destinationId)
		const fresh = held.filter((r) => this.#usable(r, target, now))
		if (fresh.length < held.length) await this.#release(held.filter((r) => !fresh.includes(r)).map((r) => r.id))
		if (fresh.length < count + this.opts.depth / 2) {
			try {
				const claimed = await this.repo.claim(destinationId, now, count + this.opts.depth - fresh.length, this.opts.owner, now + this.opts.leaseMs)
				fresh.push(...claimed)
				await this.payloads?.fill(claimed)
			} catch (err) {
				// Still leased to us: keep them for the next pass rather than strand them until their lease ends.
				if (fresh.length > 0 && !this.#held.has(destinationId)) this.#held.set(destinationId, { target, rows: fresh })
				throw err
			}
		}
		const rows = fresh.splice(0, count)
		if (fresh.length > 0) this.#held.set(destinationId, { target, rows: fresh })
		else this.#held.delete(destinationId)
		return rows
	}

	/** Up to `count` held rows, without touching storage; stops at a row too old to send. */
	takeHeld(destinationId: string, now: number, count: number): DeliveryRow[] {
		const held = this.#held.get(destinationId)
		if (!held) return []
		let n = 0
		while (n < count && n < held.rows.length && this.#usable(held.rows[n] as DeliveryRow, held.target, now)) n++
		const rows = held.rows.splice(0, n)
		if (held.rows.length === 0) this.#held.delete(destinationId)
		return rows
	}

	/** The destination may not send now (paused, changed, breaker open, a probe going alone). */
	async giveBack(destinationId: string): Promise<void> {
		const held = this.#held.get(destinationId)
		if (!held) return
		this.#held.delete(destinationId)
		await this.#release(held.rows.map((r) => r.id))
	}

	/** Stop: the caller releases every lease it owns. */
	clear(): void {
		this.#held.clear()
		this.payloads?.clear()
	}

	async #release(ids: string[]): Promise<void> {
		this.payloads?.drop(ids)
		await this.repo.releaseLeases(ids, this.opts.owner)
	}

	#usable(row: DeliveryRow, target: T, now: number): boolean {
		return (row.lease_expires_at ?? 0) - now > target.row.timeout_ms + 1000
	}
}
