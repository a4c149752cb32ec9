import { type Condition, type SqlValue, whereOf } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { type EventWalk, eventSeek } from './order-sql'
import type { EventFilter } from './queries'
import type { EventRow } from './repo'

/** SQL of the events repo and its queries shared by SQLite (repo.ts, queries.ts) and PostgreSQL (repo-pg.ts, queries-pg.ts). */

export const COLUMNS = [
	'id', 'org_id', 'env_id', 'source_id', 'method', 'headers', 'query_params', 'content_type', 'source_ip',
	'payload_inline', 'payload_ref', 'payload_size', 'verification_status', 'verification_error', 'dedup_status',
	'dedup_hash', 'status', 'received_at', 'topic'
] as const satisfies readonly (keyof EventRow)[]

// ----- write side (repo.ts / repo-pg.ts) -----

export const INSERT_PAYLOAD = 'INSERT INTO event_payloads (event_id, body) VALUES ($1, $2)'
/** One string per dedup key, (source, key hash), for maps and sets of keys: '\n' appears in neither part. */
export const dedupKeyId = (sourceId: string, keyHash: string): string => `${sourceId}\n${keyHash}`
export const FIND_KEY = 'SELECT event_id, expires_at FROM dedup_keys WHERE source_id = $1 AND key_hash = $2'
export const UPSERT_KEY = `INSERT INTO dedup_keys (source_id, key_hash, event_id, expires_at) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (source_id, key_hash) DO UPDATE SET event_id = excluded.event_id, expires_at = excluded.expires_at`
/**
 * ($1 source, $2 env, $3 events, $4 latest receipt) A batch's counts for one source: all of a
 * source's ingest counters live in its small event_totals row (migration 17), so a commit
 * rewrites one counter row per source, not that row and the wide sources row as well.
 * `stored` is what retention subtracts from; `event_count` only grows.
 */
export const ADD_TOTALS = `INSERT INTO event_totals (source_id, env_id, stored, event_count, last_event_at) VALUES ($1, $2, $3, $3, $4)
		 ON CONFLICT (source_id) DO UPDATE SET stored = event_totals.stored + excluded.stored,
		 event_count = event_totals.event_count + excluded.event_count,
		 last_event_at = CASE WHEN event_totals.last_event_at IS NULL OR event_totals.last_event_at < excluded.last_event_at
		 THEN excluded.last_event_at ELSE event_totals.last_event_at END`
// Routes come from a cache: the connection or destination may have been deleted since. A
// delivery row is written only if both still exist, so none can be orphaned in the queue.
// SQLite's: with its event's seq ($8), which the claim joins the payload by (migration 23).
export const INSERT_DELIVERY = `INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at, event_seq)
		 SELECT $1, $2, $3, $4, $5, $6, 'queued', 0, $7, 'initial', $7, $7, $8
		 WHERE EXISTS (SELECT 1 FROM connections WHERE id = $5) AND EXISTS (SELECT 1 FROM destinations WHERE id = $6)`
/**
 * Rows that hang off an event by `event_id` and go with it, children first: every delete of
 * events (retention on both engines, a test session's purge) deletes these first, from this
 * one list, so a table added here is purged everywhere. (An environment's purge deletes
 * attempts and deliveries by their own env_id, and the rest through this list.)
 */
export const EVENT_CHILD_TABLES = ['event_payloads', 'delivery_attempts', 'deliveries'] as const
/** A DELETE of each child table's rows whose event is one of `eventsOf` (a subquery of event ids). */
export const eventChildrenDeletes = (eventsOf: string, tables: readonly string[] = EVENT_CHILD_TABLES): string[] =>
	tables.map((t) => `DELETE FROM ${t} WHERE event_id IN (${eventsOf})`)
export const REMOVE_STORED = 'UPDATE event_totals SET stored = stored - $2 WHERE source_id = $1'
export const BUMP_CONNECTION = `UPDATE connections SET event_count = event_count + $2,
		 last_event_at = CASE WHEN last_event_at IS NULL OR last_event_at < $3 THEN $3 ELSE last_event_at END WHERE id = $1`

// ----- read side (queries.ts / queries-pg.ts) -----

/** The status deliveries give their event: pending while any is open, then delivered, failed or partial. */
const EVENT_STATUS_OF = `CASE
	WHEN SUM(CASE WHEN state IN ('queued', 'leased') THEN 1 ELSE 0 END) > 0 THEN 'pending'
	WHEN SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END) = 0 THEN 'delivered'
	WHEN SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END) = 0 THEN 'failed'
	ELSE 'partial' END`

/**
 * An event's status as the API shows it: what its deliveries give it (EVENT_STATUS_OF) when
 * it has any, else what ingest stored (no_route, filtered…). Derived when read, not stored:
 * a stored status cost every delivery outcome one more row written and read back in its
 * transaction, and read from its deliveries (their event index) it follows every change of
 * them by itself: outcomes, retries, replays. GROUP BY: no row, so NULL, for an event
 * without deliveries. Every read of an event's status goes through `e` and this.
 */
export const STATUS = `COALESCE((SELECT ${EVENT_STATUS_OF} FROM deliveries dv WHERE dv.event_id = e.id GROUP BY dv.event_id), e.status)`

/** A stored column of `e` as reads select it: the status as STATUS. */
const selected = (c: string): string => (c === 'status' ? `${STATUS} AS status` : `e.${c}`)
/** Every stored column of `e` (COLUMNS: SQLite rows also hold their list keys), the status as STATUS. */
export const EVENT_COLUMNS = COLUMNS.map(selected).join(', ')

/** An event without its body (lists), the status as STATUS. */
export const SUMMARY_COLUMNS = COLUMNS.filter((c) => c !== 'payload_inline').map(selected).join(', ')
export const LIST_COLUMNS = `${SUMMARY_COLUMNS}, s.name AS source_name, s.slug AS source_slug`

export const FROM = 'FROM events e LEFT JOIN sources s ON s.id = e.source_id'
/** ($1 the ids, bound as the engine's `walk.isIn` takes them: db/id-list.ts) The list rows of these events. */
export const listByIdsQuery = (walk: EventWalk): string => `SELECT ${LIST_COLUMNS} ${FROM} WHERE ${walk.isIn()}`

/** ($1 event id) One event with its source's name. */
export const byIdQuery = (walk: EventWalk): string => `SELECT ${EVENT_COLUMNS}, s.name AS source_name, s.slug AS source_slug ${FROM} WHERE ${walk.is('$1')}`
export const PAYLOAD = 'SELECT body FROM event_payloads WHERE event_id = $1'
const TO_DELIVER_SELECT = 'SELECT e.id, e.content_type, e.payload_inline FROM events e'
/** ($1 event id) What a delivery's send needs of its event. */
export const toDeliverQuery = (walk: EventWalk): string => `${TO_DELIVER_SELECT} WHERE ${walk.is('$1')}`
/**
 * The same for many events in one statement (the delivery worker's payloads read ahead):
 * only bodies stored inline (≤ 10 KB), so what is held in memory stays small; the others
 * are read at send time. ($1 the ids, as `walk.isIn` takes them: db/id-list.ts.)
 */
export const toDeliverMany = (walk: EventWalk): string => `${TO_DELIVER_SELECT} WHERE ${walk.isIn()} AND e.payload_inline IS NOT NULL`
export const STORED_IN_SOURCE = 'SELECT stored AS n FROM event_totals WHERE env_id = $1 AND source_id = $2'

/** The filter's conditions; the environment and source as `walk` leads into its list indexes. */
export function conditionsOf(walk: EventWalk, f: EventFilter): Condition[] {
	return [
		[walk.env(), f.envId],
		[walk.source(), f.sourceId],
		[`${STATUS} = ?`, f.status],
		['e.verification_status = ?', f.verificationStatus],
		['e.dedup_status = ?', f.dedupStatus],
		['e.method = ?', f.method],
		['e.received_at >= ?', f.after],
		['e.received_at < ?', f.before]
	]
}

/** `limit` rows from the seek point in its fetch order (by id or seq: `order`), after skipping `offset`. */
export function listQuery(order: EventWalk, filter: EventFilter, seek: Seek, page: { offset: number; limit: number }): { text: string; params: SqlValue[] } {
	const { condition, orderBy } = eventSeek(order, seek)
	const w = whereOf([...conditionsOf(order, filter), condition])
	return { text: `SELECT ${LIST_COLUMNS} ${FROM} WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(page.limit)} OFFSET ${w.bind(page.offset)}`, params: w.params }
}

export function countQuery(walk: EventWalk, filter: EventFilter): { text: string; params: SqlValue[] } {
	const w = whereOf(conditionsOf(walk, filter))
	return { text: `SELECT COUNT(*) AS n FROM events e WHERE ${w.sql}`, params: w.params }
}

/** Only the environment, or the environment and a source: the totals ingest maintains answer the count. */
export function totalsAnswer(filter: EventFilter): boolean {
	const { envId: _env, sourceId: _source, ...rest } = filter
	return Object.values(rest).every((v) => v === undefined || v === '')
}

/** LIKE wildcards in the search text are literal characters to the user. */
export const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)
