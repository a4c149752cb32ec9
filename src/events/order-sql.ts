import { IDS_IN_PG } from '../db/id-list'
import { type Condition, seekBy } from '../db/sql'
import type { Seek } from '../lib/pagination'
import type { SeqKeys } from '../db/seq-keys'
import { EVENT_SEQS, seqIn, seqIs } from './seq-sql'

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
 * Seq order over a seq-keyed table as `alias` (SQLite: events since migration 22, delivery
 * attempts since 24; db/seq-keys.ts): seqs sort as ids do, so an id bound is the seq of that id
 * (`seqOf`: one probe of the empty own-seqs table and the digits the id spells), whether or not
 * its row still exists.
 */
export function seqOrder(alias: string, keys: SeqKeys): EventOrder {
	const order: EventOrder = {
		column: `${alias}.seq`,
		bound: (op, at = '?') => `${alias}.seq ${op} ${keys.seqOf(at)}`,
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
	...seqOrder('e', EVENT_SEQS),
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
