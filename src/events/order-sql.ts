import { IDS_IN_PG } from '../db/id-list'
import { type Condition, seekBy } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { ABOVE_ALL, seqIn, seqIs, seqOf } from './seq-sql'

/**
 * How list SQL walks events in time order, per engine. PostgreSQL walks its (env_id, id) and
 * (env_id, source_id, id) indexes by id. SQLite keys events by `seq` (migration 22,
 * src/events/seq-sql.ts), which sorts as the ids do, and walks its list indexes (env_key) and
 * (env_key, source_key), whose entries end in the seq, by seq: each id bound (cursors, `since`,
 * time windows as id floors) becomes a seq bound. Wire cursors still carry event ids.
 *
 * On SQLite the events repo mints each id as it writes the row, so id order is commit order
 * there: a page never skips an event that committed after it was read. PostgreSQL's instances
 * mint their own, so an event can commit after a later-minted one of another instance.
 */
export interface EventOrder {
	/** The ordering column of `events e`. */
	column: string
	/** SQL for `e.id <op> <at>` in this order; `at` is the id's placeholder (`?` for whereOf, or `$n`). */
	bound(op: IdOp, at?: string): string
	/**
	 * An edge of an id window (a time range as id floors, not a cursor): `bound`, and on
	 * SQLite the id test as well, so no event outside the window is taken even where an
	 * event committed out of id order (ingest awaits between minting an id and queueing it).
	 */
	edge(op: IdOp, at?: string): string
}

export type IdOp = '<' | '<=' | '>' | '>='

/** Id order over `alias` (a table whose ids sort by creation time): PostgreSQL's order. */
export function idOrder(alias: string): EventOrder {
	return { column: `${alias}.id`, bound: (op, at = '?') => `${alias}.id ${op} ${at}`, edge: (op, at = '?') => `${alias}.id ${op} ${at}` }
}

/**
 * Rowid order over `table` as `alias` (SQLite), for a table whose rows are inserted in
 * about id order and whose list indexes end in the rowid (delivery attempts: migration 16;
 * events until migration 22 gave them `seqOrder`). An id bound becomes a rowid bound through the unique id index:
 * a cursor whose row exists is that row's own rowid, so a page starts right beside it even
 * where rows committed out of id order; a bound with no row of its own (a cursor retention
 * deleted, an id floor) is the rowid of the oldest row whose id is past it, or ABOVE_ALL
 * when there is none: no row repeated, none skipped. Each lookup is one probe of the unique
 * id index, run once per statement.
 */
export function rowidOrder(alias: string, table: string): EventOrder {
	const firstRowid = (op: '>' | '>=', at: string) => `COALESCE((SELECT rowid FROM ${table} WHERE id ${op} ${at} ORDER BY id LIMIT 1), ${ABOVE_ALL})`
	// The cursor's own row when it exists, else just before the first row past it.
	const cursorRowid = (at: string) => `COALESCE((SELECT rowid FROM ${table} WHERE id = ${at}), ${firstRowid('>', at)} - 1)`
	const order: EventOrder = {
		column: `${alias}.rowid`,
		bound(op, at = '?') {
			// id >= x / id < x: from / before the first row at or after x, which is x's own row when it exists.
			// id > x / id <= x: after / up to x's own row; when x has no row, as if it sat just before the first row past it.
			if (op === '>') return `${alias}.rowid > ${cursorRowid(at)}`
			if (op === '>=') return `${alias}.rowid >= ${firstRowid('>=', at)}`
			if (op === '<') return `${alias}.rowid < ${firstRowid('>=', at)}`
			return `${alias}.rowid <= ${cursorRowid(at)}`
		},
		edge(op, at = '?') {
			return `${order.bound(op, at)} AND ${alias}.id ${op} ${at}`
		}
	}
	return order
}

/**
 * Seq order over `events` as `alias` (SQLite, migration 22): seqs sort as ids do, so an id
 * bound is the seq of that id (seq-sql.ts `seqOf`: one probe of the empty `event_seqs` and
 * the digits the id spells), whether or not its event still exists.
 */
export function seqOrder(alias: string): EventOrder {
	const order: EventOrder = {
		column: `${alias}.seq`,
		bound: (op, at = '?') => `${alias}.seq ${op} ${seqOf(at)}`,
		// The id test too: only an id that is not hookstream's (seq-sql.ts) can sort apart from its seq.
		edge: (op, at = '?') => `${order.bound(op, at)} AND ${alias}.id ${op} ${at}`
	}
	return order
}

/**
 * How list SQL walks the events of one environment or source: the order above plus the
 * filters that lead into the list indexes. PostgreSQL's indexes lead with env_id and
 * source_id. SQLite's (migration 18) lead with small integer keys instead of the 36-character
 * ids — each commit writes fewer index pages — so it filters by the key of the id, one probe
 * of list_keys per statement; an id with no key has no events (see KEY_OF).
 */
export interface EventWalk extends EventOrder {
	/** `events e` of the environment whose id is at `at` (a placeholder or a scalar subquery). */
	env(at?: string): string
	/** `events e` of the source whose id is at `at`. */
	source(at?: string): string
	/** The SET items of an UPDATE of `events` that moves rows to the environment at `at` (the claim of a test session). */
	moveTo(at: string): string
	/** `events e` is the event whose id is at `at`. */
	is(at: string): string
	/** `events e` is one of the events whose ids are bound as $1 (db/id-list.ts); SQLite binds both as seq-sql.ts `seqInParams` makes them. */
	isIn(): string
}

export const ID_ORDER: EventWalk = {
	...idOrder('e'),
	env: (at = '?') => `e.env_id = ${at}`,
	source: (at = '?') => `e.source_id = ${at}`,
	moveTo: (at) => `env_id = ${at}`,
	is: (at) => `e.id = ${at}`,
	isIn: () => `e.id ${IDS_IN_PG}`
}

/** SQLite's list key of an id (list_keys, migration 18). */
const keyLookup = (at: string) => `SELECT key FROM list_keys WHERE id = ${at}`
const keyOf = (at: string) => `(${keyLookup(at)})`

/** SQLite: environments and sources by their list keys (migration 18), in seq order (migration 22). */
export const SEQ_ORDER: EventWalk = {
	...seqOrder('e'),
	env: (at = '?') => `e.env_key = ${keyOf(at)}`,
	source: (at = '?') => `e.source_key = ${keyOf(at)}`,
	// Environments get their key when created (a trigger of migration 18), so the target has one.
	moveTo: (at) => `env_id = ${at}, env_key = ${keyOf(at)}`,
	is: (at) => seqIs('e', at),
	isIn: () => seqIn('e')
}

/**
 * ($1 id) The list key of an environment or source id (SQLite). A key lives as long as its row
 * or its events (a deleted source's events stay listed, as they did by id); once both are gone
 * the key goes and its number is never given out again (AUTOINCREMENT). Nothing caches a key
 * beyond one transaction: the id may have lost its key since.
 */
export const KEY_OF = keyLookup('$1')
/** ($1 id) A key for an id that has none (events written for an id no environment or source row had). */
export const ADD_KEY = 'INSERT INTO list_keys (id) VALUES ($1) RETURNING key'

/** The keyset condition and ORDER BY of an events list page in `order` (seekOf's counterpart for events). */
export function eventSeek(order: EventOrder, seek: Seek): { condition: Condition; orderBy: string } {
	return seekBy(order.column, (op) => order.bound(op), seek)
}
