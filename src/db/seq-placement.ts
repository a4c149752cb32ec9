import type { Database } from 'bun:sqlite'
import { SeqIdMinter } from '../lib/ids'
import type { SeqKeys } from './seq-keys'
import { prepare } from './sql'

/** A minted seq was taken by a row written behind the repo's back (raw SQL): the batch is rolled back and placed again. */
export class SeqTaken extends Error {}

/**
 * Where each new row of a seq-keyed table goes (db/seq-keys.ts), inside the write transaction.
 * Rows the repo writes come without an id: one is minted, so ids follow commit order and a row
 * lands at the table's right edge. A minted seq needs no probe while it is above every seq this
 * repo knows of (the newest when it opened, and every one it placed since); below that (the
 * clock behind a stored id) it is probed and the counter moved on past taken ones, so the ids
 * keep their time. A row that brings its own id (tests, tools) takes the seq the id spells, or,
 * when the id spells none or its seq is taken, one past the newest, kept in the own-seqs table.
 */
export function seqPlacement(db: Database, t: SeqKeys) {
	const minter = new SeqIdMinter(t.prefix)
	const newest = prepare<{ seq: string | null }, []>(db, `SELECT CAST(MAX(seq) AS TEXT) AS seq FROM ${t.table}`)
	const taken = prepare<{ one: number }, [bigint]>(db, `SELECT 1 AS one FROM ${t.table} WHERE seq = $1`)
	const stored = prepare<{ one: number }, [string]>(db, `SELECT 1 AS one FROM ${t.table} r WHERE ${t.seqIs('r', '$1')}`)
	const ownSeq = prepare(db, `INSERT INTO ${t.ownSeqs} (id, seq) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq`)
	const spellsOwn = prepare(db, `DELETE FROM ${t.ownSeqs} WHERE id = $1`)
	const newestSeq = (): bigint => BigInt(newest.get()?.seq ?? 0)
	let ceiling = newestSeq()
	const placed = (seq: bigint): bigint => {
		if (seq > ceiling) ceiling = seq
		return seq
	}
	return {
		/** A fresh id at `atMs` (or later) and its seq, free. */
		mint(atMs: number): { id: string; seq: bigint } {
			let next = minter.next(atMs)
			while (next.seq <= ceiling && taken.get(next.seq) !== null) {
				minter.after(next.seq)
				next = minter.next(atMs)
			}
			placed(next.seq)
			return next
		},
		/** The seq of a row that brought its own id. An id given twice fails the batch, as a unique index would. */
		own(id: string): bigint {
			if (stored.get(id) !== null) throw new Error(`UNIQUE constraint failed: ${t.table}.id (${id})`)
			const spelled = t.seqOfId(id)
			if (spelled !== null && taken.get(spelled) === null) {
				// A seq of its own from an earlier row of this id (since deleted) would shadow the one it spells.
				spellsOwn.run(id)
				return placed(spelled)
			}
			const seq = newestSeq() + 1n
			ownSeq.run(id, seq)
			return placed(seq)
		},
		/**
		 * Runs `write`, the transaction that places `rows`. When one of its minted seqs was taken behind
		 * the repo's back (SeqTaken: it rolled back), it runs once more, every seq stored known again and
		 * the ids the first try minted cleared so they are minted anew; `reset` clears the caller's own
		 * state of the first try.
		 */
		retried<R>(rows: readonly { id: string }[], write: () => R, reset: () => void = () => {}): R {
			const minted = rows.map((r) => r.id === '')
			try {
				return write()
			} catch (err) {
				if (!(err instanceof SeqTaken)) throw err
				ceiling = newestSeq()
				rows.forEach((r, i) => {
					if (minted[i]) r.id = ''
				})
				reset()
				return write()
			}
		}
	}
}
