import type { Condition } from '../db/sql'
import type { Seek } from '../lib/pagination'

/**
 * How list SQL walks events in time order, per engine. PostgreSQL walks its (env_id, id) and
 * (env_id, source_id, id) indexes by id. SQLite's list indexes are (env_id) and
 * (env_id, source_id) (migration 14): their entries end in the rowid, so SQLite walks them
 * by rowid and turns each id bound (cursors, `since`, time windows as id floors) into a
 * rowid bound. Wire cursors still carry event ids.
 *
 * Rowids follow commit order, and ids follow it too wherever ingest mints an id and queues
 * the event with no await in between (the usual path). A route-cache miss or a fetched
 * signing key can let an event minted a few ms earlier commit after a later one: pages are
 * then in commit order, and a cursor whose event exists still resolves to that very event
 * (no row repeated or skipped); only an id bound with no event of its own is placed by id.
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

export const ID_ORDER: EventOrder = {
	column: 'e.id',
	bound: (op, at = '?') => `e.id ${op} ${at}`,
	edge: (op, at = '?') => `e.id ${op} ${at}`
}

// Beyond every rowid: a bound on an id newer than every stored event.
const PAST_LAST = '9223372036854775807'

/**
 * The rowid of the oldest event whose id is `op` the bound (from the unique id index: one
 * lookup, run once per statement), or PAST_LAST when there is none. Resolving to the next
 * stored event rather than the bound's own row is what keeps a cursor whose event
 * retention deleted (or an id floor no event has) exact: no row repeated, none skipped.
 */
const firstRowid = (op: '>' | '>=', at: string) => `COALESCE((SELECT rowid FROM events WHERE id ${op} ${at} ORDER BY id LIMIT 1), ${PAST_LAST})`

export const ROWID_ORDER: EventOrder = {
	column: 'e.rowid',
	bound(op, at = '?') {
		// id > x: from the first event after x; id >= x: from the first at or after x;
		// id < x: before the first at or after x; id <= x: before the first after x.
		if (op === '>') return `e.rowid >= ${firstRowid('>', at)}`
		if (op === '>=') return `e.rowid >= ${firstRowid('>=', at)}`
		if (op === '<') return `e.rowid < ${firstRowid('>=', at)}`
		return `e.rowid < ${firstRowid('>', at)}`
	},
	edge(op, at = '?') {
		return `${ROWID_ORDER.bound(op, at)} AND e.id ${op} ${at}`
	}
}

/** The keyset condition and ORDER BY of an events list page in `order` (seekOf's counterpart for events). */
export function eventSeek(order: EventOrder, seek: Seek): { condition: Condition; orderBy: string } {
	const fetchAsc = (seek.order === 'asc') !== seek.back
	return { condition: [order.bound(fetchAsc ? '>' : '<'), seek.id], orderBy: `${order.column} ${fetchAsc ? 'ASC' : 'DESC'}` }
}
