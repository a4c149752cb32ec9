import type { Database } from 'bun:sqlite'
import { seqPlacement } from '../db/seq-placement'
import type { SeqIdMinter } from '../lib/ids'
import type { EventRow, PendingEvent } from './repo'
import { EVENT_SEQS } from './seq-sql'

/** Gives `row` its id (and its payload's ref). */
function adopt(row: EventRow, id: string): void {
	row.id = id
	if (row.payload_ref !== null) row.payload_ref = `event_payloads:${id}`
}

/** Gives `row` a freshly minted id (and its payload's ref): PostgreSQL's events, which have no seq. */
export function mintId(minter: SeqIdMinter, row: EventRow): void {
	adopt(row, minter.next(row.received_at).id)
}

/**
 * Where each new row goes in `events` (db/seq-placement.ts), inside the write transaction:
 * ingest's rows come without an id, minted at their receipt time.
 */
export function eventPlacement(db: Database) {
	const place = seqPlacement(db, EVENT_SEQS)
	return {
		/** The seq of a row ingest left without an id, which it mints. */
		minted(row: EventRow): bigint {
			const { id, seq } = place.mint(row.received_at)
			adopt(row, id)
			return seq
		},
		/** The seq of a row that brought its own id. */
		own: (row: EventRow): bigint => place.own(row.id),
		/** Runs the transaction that places `batch`, once more after SeqTaken (db/seq-placement.ts `retried`). */
		retried: <R>(batch: PendingEvent[], write: () => R, reset?: () => void): R => place.retried(batch.map((p) => p.row), write, reset)
	}
}
