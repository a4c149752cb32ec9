import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import { EventIdMinter } from '../lib/ids'
import type { EventRow, PendingEvent } from './repo'
import { seqIs, seqOfId } from './seq-sql'

/** Gives `row` a freshly minted id (and its payload's ref); returns the id's seq (SQLite's key: seq-sql.ts). */
export function mintId(minter: EventIdMinter, row: EventRow): bigint {
	const { id, seq } = minter.next(row.received_at)
	row.id = id
	if (row.payload_ref !== null) row.payload_ref = `event_payloads:${id}`
	return seq
}

/** A minted seq was taken by a row written behind this repo's back (raw SQL): the batch is rolled back and placed again. */
export class SeqTaken extends Error {}

/**
 * Where each new row goes in `events` (seq-sql.ts), inside the write transaction. Ingest's rows
 * come without an id: one is minted, so ids follow commit order and a row lands at the table's
 * right edge. A minted seq needs no probe while it is above every seq this repo knows of (the
 * newest when it opened, and every one it placed since); below that (the clock behind a stored
 * id) it is probed and the counter moved on past taken ones, so the ids keep their time. A row
 * that brings its own id (tests, tools) takes the seq the id spells, or, when the id spells none
 * or its seq is taken, one past the newest, kept in event_seqs.
 */
export function eventPlacement(db: Database) {
	const minter = new EventIdMinter()
	const newest = prepare<{ seq: string | null }, []>(db, 'SELECT CAST(MAX(seq) AS TEXT) AS seq FROM events')
	const taken = prepare<{ one: number }, [bigint]>(db, 'SELECT 1 AS one FROM events WHERE seq = $1')
	const stored = prepare<{ one: number }, [string]>(db, `SELECT 1 AS one FROM events e WHERE ${seqIs('e', '$1')}`)
	const ownSeq = prepare(db, 'INSERT INTO event_seqs (id, seq) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq')
	const spellsOwn = prepare(db, 'DELETE FROM event_seqs WHERE id = $1')
	const newestSeq = (): bigint => BigInt(newest.get()?.seq ?? 0)
	let ceiling = newestSeq()
	const placed = (seq: bigint): bigint => {
		if (seq > ceiling) ceiling = seq
		return seq
	}
	return {
		/** The seq of a row ingest left without an id, which it mints. */
		minted(row: EventRow): bigint {
			let seq = mintId(minter, row)
			while (seq <= ceiling && taken.get(seq) !== null) {
				minter.after(seq)
				seq = mintId(minter, row)
			}
			return placed(seq)
		},
		/** The seq of a row that brought its own id. An id given twice fails the batch, as a unique index would. */
		own(row: EventRow): bigint {
			if (stored.get(row.id) !== null) throw new Error(`UNIQUE constraint failed: events.id (${row.id})`)
			const spelled = seqOfId(row.id)
			if (spelled !== null && taken.get(spelled) === null) {
				// A seq of its own from an earlier row of this id (since deleted) would shadow the one it spells.
				spellsOwn.run(row.id)
				return placed(spelled)
			}
			const seq = newestSeq() + 1n
			ownSeq.run(row.id, seq)
			return placed(seq)
		},
		/** After SeqTaken: every seq stored is known again, and the rows minted in the attempt are minted anew. */
		rolledBack(batch: PendingEvent[], minted: readonly boolean[]): void {
			ceiling = newestSeq()
			batch.forEach((p, i) => {
				if (minted[i]) p.row.id = ''
			})
		}
	}
}
