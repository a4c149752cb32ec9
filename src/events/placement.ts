import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import { EventIdMinter } from '../lib/ids'
import type { EventRow, PendingEvent } from './repo'
import { seqIs, seqOfId } from './seq-sql'

/**
 * Mints the ids of the rows ingest left without one (and their payloads' refs), in batch order;
 * returns each minted id's seq (SQLite's key: seq-sql.ts), null for a row that brought its own id.
 */
export function mintMissingIds(minter: EventIdMinter, batch: PendingEvent[]): (bigint | null)[] {
	return batch.map(({ row }) => {
		if (row.id !== '') return null
		const { id, seq } = minter.next(row.received_at)
		row.id = id
		if (row.payload_ref !== null) row.payload_ref = `event_payloads:${id}`
		return seq
	})
}

/** A minted id's seq was taken (a row this repo did not write, in that millisecond): the batch is rolled back and minted again. */
export class SeqTaken extends Error {}

/**
 * Where each new row goes in `events` (seq-sql.ts). Ingest's rows come without an id: one is
 * minted here, so ids follow commit order and a row lands at the table's right edge. A row
 * that brings its own id (tests, tools) takes the seq the id spells, or, when the id spells
 * none or its seq is taken, one past the newest, kept in event_seqs.
 */
export function eventPlacement(db: Database) {
	const minter = new EventIdMinter()
	const newest = prepare<{ seq: string | null }, []>(db, 'SELECT CAST(MAX(seq) AS TEXT) AS seq FROM events')
	const taken = prepare<{ one: number }, [bigint]>(db, 'SELECT 1 AS one FROM events WHERE seq = $1')
	const stored = prepare<{ one: number }, [string]>(db, `SELECT 1 AS one FROM events e WHERE ${seqIs('e', '$1')}`)
	const ownSeq = prepare(db, 'INSERT INTO event_seqs (id, seq) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq')
	const newestSeq = (): bigint => BigInt(newest.get()?.seq ?? 0)
	// A database whose newest event is newer than this clock: ids go on from it.
	minter.after(newestSeq())
	return {
		mint: (batch: PendingEvent[]): (bigint | null)[] => mintMissingIds(minter, batch),
		/** Mints again past the newest seq, after SeqTaken rolled the batch back. */
		remint(batch: PendingEvent[], minted: (bigint | null)[]): (bigint | null)[] {
			minter.after(newestSeq())
			batch.forEach((p, i) => {
				if (minted[i] !== null) p.row.id = ''
			})
			return mintMissingIds(minter, batch)
		},
		/** The seq of a row that brought its own id, inside the write transaction. An id given twice fails the batch, as a unique index would. */
		seqOf(row: EventRow): bigint {
			const spelled = seqOfId(row.id)
			if (stored.get(row.id) !== null) throw new Error(`UNIQUE constraint failed: events.id (${row.id})`)
			if (spelled !== null && taken.get(spelled) === null) return spelled
			const seq = newestSeq() + 1n
			ownSeq.run(row.id, seq)
			return seq
		}
	}
}
