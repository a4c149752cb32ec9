import type { EventToDeliver } from '../events/queries'
import type { DeliveryRepo, DeliveryRow } from './repo'

/**
 * Inline payloads are ≤ 10 KB, but every destination with a backlog holds a claim's worth of rows
 * (64 or more): a thousand draining destinations would hold hundreds of MB. Past this, rows read
 * their payload when they are sent, as without read-ahead.
 */
export const BUDGET_BYTES = 16 * 1024 * 1024

/**
 * Payloads of deliveries claimed ahead, read with the claim instead of once per send (a read per
 * send cost ~9 µs of the JS thread per delivery, a second statement per claim ~2.5, the claim's
 * own join ~1.4). Each copy is used once, by its delivery's send; every copy is dropped as soon as
 * events are deleted (retention, an environment's purge, a test session's delete) or another
 * connection commits to the database (a second server on the data dir), so a purged event is
 * never sent from one: its send reads storage, finds nothing and closes the delivery, as before.
 * SQLite only: on a shared database other instances' deletes go unseen.
 */
export class PayloadsAhead {
	/** Delivery id → what its send needs of its event. */
	readonly #held = new Map<string, EventToDeliver>()
	/** Bytes of payload held: past BUDGET_BYTES a claim's other rows read theirs at send time. */
	#bytes = 0
	/** The epoch (deletions seen, other connections' commits) the copies held were read under. */
	#epoch: string | null = null

	constructor(private readonly repo: Pick<DeliveryRepo, 'readToDeliver' | 'payloadEpoch'>) {}

	/** Taken before a claim and given to `fill`: what the claim reads holds only if no event was deleted meanwhile. */
	epoch(): string | null {
		return this.repo.payloadEpoch()
	}

	/**
	 * Holds the payloads of freshly claimed rows: what the claim read with them (`ahead`, which is
	 * taken off the row: a held row must not keep its payload past the budget), and for the others
	 * one read here. A failed read only means their sends read them.
	 */
	async fill(rows: DeliveryRow[], epoch: string | null): Promise<void> {
		const read = new Map<string, EventToDeliver>()
		const unread = rows.filter((r) => r.ahead === undefined)
		if (epoch !== null && unread.length > 0) {
			try {
				for (const e of await this.repo.readToDeliver([...new Set(unread.map((r) => r.event_id))])) read.set(e.id, e)
			} catch {
				// Not held: their sends read them.
			}
		}
		// Events deleted since the claim, or while storage answered: what was read may be gone already.
		let valid = false
		try {
			valid = epoch !== null && this.repo.payloadEpoch() === epoch
		} catch {
			// Unknown: nothing is held (below, every row still gives up what the claim read).
		}
		if (valid) this.#sync(epoch)
		let full = !valid
		for (const row of rows) {
			const event = row.ahead === undefined ? read.get(row.event_id) : row.ahead
			row.ahead = undefined
			if (full || !event || this.#held.has(row.id)) continue
			const size = event.payload_inline?.byteLength ?? 0
			if (this.#bytes + size > BUDGET_BYTES) {
				full = true
				continue
			}
			this.#held.set(row.id, event)
			this.#bytes += size
		}
	}

	/** The copy read ahead for this delivery, unless events were deleted since (then the send reads storage). */
	take(deliveryId: string): EventToDeliver | undefined {
		const event = this.#held.get(deliveryId)
		if (event === undefined) return undefined
		this.#forget(deliveryId, event)
		return this.#sync(this.repo.payloadEpoch()) ? event : undefined
	}

	/** These deliveries will not be sent from here (given back to the queue). */
	drop(deliveryIds: string[]): void {
		for (const id of deliveryIds) {
			const event = this.#held.get(id)
			if (event) this.#forget(id, event)
		}
	}

	clear(): void {
		this.#held.clear()
		this.#bytes = 0
	}

	#forget(deliveryId: string, event: EventToDeliver): void {
		this.#held.delete(deliveryId)
		this.#bytes -= event.payload_inline?.byteLength ?? 0
	}

	/** Keeps the copies only while the deletion count is the one they were read under. */
	#sync(epoch: string | null): boolean {
		if (epoch === this.#epoch) return true
		this.clear()
		this.#epoch = epoch
		return false
	}

	/** Copies held (tests). */
	get size(): number {
		return this.#held.size
	}

	/** Payload bytes held (tests). */
	get bytes(): number {
		return this.#bytes
	}
}
