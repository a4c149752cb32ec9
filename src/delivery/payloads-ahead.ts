import type { EventToDeliver } from '../events/queries'
import type { DeliveryRepo, DeliveryRow } from './repo'

/**
 * Inline payloads are ≤ 10 KB, but every destination with a backlog holds a claim's worth of rows
 * (64 or more): a thousand draining destinations would hold hundreds of MB. Past this, rows read
 * their payload when they are sent, as without read-ahead.
 */
export const BUDGET_BYTES = 16 * 1024 * 1024

/**
 * Payloads of deliveries claimed ahead, read in one statement per claim instead of one
 * per send (a read per send cost ~9 µs of the JS thread per delivery, a read per claim
 * ~2.5). Each copy is used once, by its delivery's send; every copy is dropped as soon as
 * events are deleted (retention, an environment's purge, a test session's delete) or
 * another connection commits to the database (a second server on the data dir), so a purged
 * event is never sent from one: its send reads storage, finds nothing and closes the
 * delivery, as before. SQLite only: on a shared database other instances' deletes go unseen.
 */
export class PayloadsAhead {
	/** Delivery id → what its send needs of its event. */
	readonly #held = new Map<string, EventToDeliver>()
	/** Bytes of payload held: past BUDGET_BYTES a claim's other rows read theirs at send time. */
	#bytes = 0
	/** The epoch (deletions seen, other connections' commits) the copies held were read under. */
	#epoch: string | null = null

	constructor(private readonly repo: Pick<DeliveryRepo, 'readToDeliver' | 'payloadEpoch'>) {}

	/** Reads the payloads of freshly claimed rows; a failure only means their sends read them. */
	async fill(rows: DeliveryRow[]): Promise<void> {
		const epoch = this.repo.payloadEpoch()
		if (rows.length === 0 || epoch === null) return
		let found: EventToDeliver[]
		try {
			found = await this.repo.readToDeliver([...new Set(rows.map((r) => r.event_id))])
		} catch {
			return
		}
		// Events deleted while storage answered: what was read may be gone already.
		if (this.repo.payloadEpoch() !== epoch) return
		this.#sync(epoch)
		const byId = new Map(found.map((e) => [e.id, e]))
		for (const row of rows) {
			const event = byId.get(row.event_id)
			if (!event || this.#held.has(row.id)) continue
			const size = event.payload_inline?.byteLength ?? 0
			if (this.#bytes + size > BUDGET_BYTES) break
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
