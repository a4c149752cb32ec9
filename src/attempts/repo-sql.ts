import { type Condition, type SqlValue, whereOf } from '../db/sql'
import { type EventOrder, eventSeek, idOrder, seqOrder } from '../events/order-sql'
import type { Seek } from '../lib/pagination'
import type { AttemptFilter } from './repo'
import { ATTEMPT_SEQS } from './seq-sql'

/** SQL of the attempts repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

export const SELECT = `SELECT a.*, c.name AS connection_name, d.name AS destination_name FROM delivery_attempts a
	LEFT JOIN connections c ON c.id = a.connection_id LEFT JOIN destinations d ON d.id = a.destination_id`

export const BY_ID = `${SELECT} WHERE a.id = $1`
/** SQLite's BY_ID: attempts are keyed by the seq their id spells (migration 24, seq-sql.ts). */
export const BY_ID_SQLITE = `${SELECT} WHERE ${ATTEMPT_SEQS.seqIs('a', '$1')}`
/** PostgreSQL's attempts whose id is in a list, `idsIn` its test of it (src/db/id-list.ts); any order. */
export const byIds = (idsIn: string) => `${SELECT} WHERE a.id ${idsIn}`
/** SQLite's: the ids as $1 and the seqs they spell as $2 (`ATTEMPT_SEQS.seqInParams`). */
export const BY_IDS_SQLITE = `${SELECT} WHERE ${ATTEMPT_SEQS.seqIn('a')}`
export const DLQ_OF_EVENT =
	"SELECT a.id, a.delivery_id FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.event_id = $1 AND a.is_dlq = 1 AND d.state = 'dead' ORDER BY a.id"

export function conditionsOf(f: AttemptFilter): Condition[] {
	return [
		['a.env_id = ?', f.envId],
		['a.event_id = ?', f.eventId],
		['a.connection_id = ?', f.connectionId],
		['a.destination_id = ?', f.destinationId],
		['a.status = ?', f.status],
		['a.is_dlq = ?', f.dlqOnly ? 1 : undefined]
	]
}

/**
 * The order attempt lists walk per engine: SQLite by seq (the rowid since migration 24, which
 * migration 16's indexes end in), each id bound the seq of that id; PostgreSQL by id.
 * src/events/order-sql.ts says when the two orders differ.
 */
export const ATTEMPTS_BY_SEQ: EventOrder = seqOrder('a', ATTEMPT_SEQS)
export const ATTEMPTS_BY_ID: EventOrder = idOrder('a')

/** `limit` rows from the seek point in its fetch order, after skipping `offset`. */
export function listQuery(order: EventOrder, f: AttemptFilter, seek: Seek, page: { limit: number; offset: number }): { text: string; params: SqlValue[] } {
	const { condition, orderBy } = eventSeek(order, seek)
	const w = whereOf([...conditionsOf(f), condition])
	return { text: `${SELECT} WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(page.limit)} OFFSET ${w.bind(page.offset)}`, params: w.params }
}

export function countQuery(f: AttemptFilter): { text: string; params: SqlValue[] } {
	const w = whereOf(conditionsOf(f))
	return { text: `SELECT COUNT(*) AS n FROM delivery_attempts a WHERE ${w.sql}`, params: w.params }
}
