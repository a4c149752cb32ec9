import type { PayloadsAhead } from './payloads-ahead'
import type { DeliveryRepo, DeliveryRow } from './repo'

/**
 * How far ahead a destination's claims reach: its rows for this long at the pace it has been
 * sending, between the worker's depth and MAX_DEPTH. One claim is one write transaction, and
 * at 8 in flight claims of the fixed depth (64) came every ~32 sends; paced, a fast destination
 * claims 256 at a time (`bench/drain-io.ts 8`, the two builds alternated: 17,273 → 18,781 per s,
 * 59 → 55 µs of CPU and 9,020 → 7,868 B written per delivery; unchanged at 64 in flight). A slow
 * destination keeps the worker's depth, so its rows are not leased long before their send.
 */
export const AHEAD_MS = 50
export const MAX_DEPTH = 256

/** A destination's sends since its last claim, and the depth computed at that claim. */
interface Pace {
	since: number
	sent: number
	depth: number
}

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
	readonly #pace = new Map<string, Pace>()

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

	/** Fewer rows held than half the destination's depth: time for a claim. */
	low(destinationId: string): boolean {
		return (this.#held.get(destinationId)?.rows.length ?? 0) < this.#depth(destinationId) / 2
	}

	/** Up to `count` rows to send now, topped up by one claim when few would be left. */
	async take(destinationId: string, target: T, now: number, count: number): Promise<DeliveryRow[]> {
		const held = this.#held.get(destinationId)?.rows ?? []
		// Out of the map while storage answers (PostgreSQL really waits): a slot freed meanwhile
		// must not hand out, through takeHeld, rows this call is about to hand out too.
		this.#held.delete(destinationId)
		const fresh = held.filter((r) => this.#usable(r, target, now))
		if (fresh.length < held.length) await this.#release(held.filter((r) => !fresh.includes(r)).map((r) => r.id))
		if (fresh.length < count + this.#depth(destinationId) / 2) {
			try {
				// A destination that slowed down may already hold more than its new depth: no claim then.
				const limit = count + this.#startClaim(destinationId, now) - fresh.length
				const epoch = this.payloads?.epoch() ?? null
				const claimed = limit > 0 ? await this.repo.claim(destinationId, now, limit, this.opts.owner, now + this.opts.leaseMs) : []
				// The queue ran out: the next burst starts again from the worker's depth, and a
				// destination that drains for good leaves nothing behind here.
				if (claimed.length < limit) this.#pace.delete(destinationId)
				fresh.push(...claimed)
				if (this.payloads) await this.payloads.fill(claimed, epoch)
				else for (const row of claimed) row.ahead = undefined // a held row keeps no payload
			} catch (err) {
				// Still leased to us: keep them for the next pass rather than strand them until their lease ends.
				if (fresh.length > 0 && !this.#held.has(destinationId)) this.#held.set(destinationId, { target, rows: fresh })
				throw err
			}
		}
		const rows = fresh.splice(0, count)
		if (fresh.length > 0) this.#held.set(destinationId, { target, rows: fresh })
		else this.#held.delete(destinationId)
		this.#sent(destinationId, rows.length)
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
		this.#sent(destinationId, rows.length)
		return rows
	}

	/** The destination may not send now (paused, changed, breaker open, a probe going alone). */
	async giveBack(destinationId: string): Promise<void> {
		const held = this.#held.get(destinationId)
		this.#pace.delete(destinationId)
		if (!held) return
		this.#held.delete(destinationId)
		await this.#release(held.rows.map((r) => r.id))
	}

	/** Stop: the caller releases every lease it owns. */
	clear(): void {
		this.#held.clear()
		this.#pace.clear()
		this.payloads?.clear()
	}

	/** The depth computed at the destination's last claim (the worker's depth before its first). */
	#depth(destinationId: string): number {
		return this.#pace.get(destinationId)?.depth ?? this.opts.depth
	}

	/**
	 * The depth of a claim now, AHEAD_MS of the pace since the previous one within [depth,
	 * MAX_DEPTH], and the pace measured afresh from here.
	 */
	#startClaim(destinationId: string, now: number): number {
		const pace = this.#pace.get(destinationId)
		if (!pace) {
			this.#pace.set(destinationId, { since: now, sent: 0, depth: this.opts.depth })
			return this.opts.depth
		}
		const elapsed = now - pace.since
		// Two claims within one millisecond (the clock's grain) tell no pace: the depth stays.
		if (elapsed > 0) {
			const paced = Math.round((pace.sent / elapsed) * AHEAD_MS)
			pace.depth = Math.min(Math.max(MAX_DEPTH, this.opts.depth), Math.max(this.opts.depth, paced))
		}
		pace.since = now
		pace.sent = 0
		return pace.depth
	}

	#sent(destinationId: string, n: number): void {
		const pace = this.#pace.get(destinationId)
		if (pace) pace.sent += n
	}

	async #release(ids: string[]): Promise<void> {
		this.payloads?.drop(ids)
		await this.repo.releaseLeases(ids, this.opts.owner)
	}

	#usable(row: DeliveryRow, target: T, now: number): boolean {
		return (row.lease_expires_at ?? 0) - now > target.row.timeout_ms + 1000
	}
}
