import { type SqlValue, valuesList, whereOf } from '../db/sql'
import type { EventWalk } from '../events/order-sql'
import { COLUMNS, eventChildrenDeletes, SUMMARY_COLUMNS } from '../events/repo-sql'
import type { SourceRow } from '../sources/repo'

/** SQL of the test sessions repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

export const SOURCE_COLUMNS = [
	'id', 'org_id', 'env_id', 'slug', 'name', 'description', 'template', 'verification_enabled', 'verification_type',
	'verification_secret', 'verification_header', 'verification_config', 'dedup_enabled', 'dedup_strategy', 'dedup_field',
	'dedup_window_seconds', 'ip_allowlist', 'ip_denylist', 'status', 'created_at',
	'updated_at', 'is_ephemeral', 'expires_at', 'request_limit', 'type', 'source_config', 'schema_validation_enabled',
	'json_schema', 'schema_action'
] as const satisfies readonly (keyof SourceRow)[]

// The request count is the source's event_count, kept in its event_totals row (migration 17).
const SESSION = `SELECT s.id AS source_id, s.org_id, s.env_id, s.slug, COALESCE(c.event_count, 0) AS event_count, s.expires_at, s.request_limit,
	t.created_at, t.created_ip, t.response_status, t.response_content_type, t.response_body, t.forward_url, t.forward_enabled
	FROM test_sessions t JOIN sources s ON s.id = t.source_id LEFT JOIN event_totals c ON c.source_id = s.id`

/** Every stored column of `e` (not `e.*`: SQLite's rows also hold their list keys). */
const EVENT_ROW = COLUMNS.map((c) => `e.${c}`).join(', ')

export const INSERT_SOURCE = `INSERT INTO sources (${SOURCE_COLUMNS.join(', ')}) VALUES ${valuesList(1, SOURCE_COLUMNS.length)}`
export const INSERT_SESSION = 'INSERT INTO test_sessions (source_id, created_ip, created_at) VALUES ($1, $2, $3)'
export const BY_ID = `${SESSION} WHERE t.source_id = $1`
export const CONFIGURED = `${SESSION} WHERE t.response_status IS NOT NULL OR t.forward_enabled = 1`
export const EXPIRED = 'SELECT t.source_id FROM test_sessions t JOIN sources s ON s.id = t.source_id WHERE s.expires_at < $1 LIMIT $2'
export const SET_RESPONSE = 'UPDATE test_sessions SET response_status = $2, response_content_type = $3, response_body = $4 WHERE source_id = $1'
export const SET_FORWARDING = 'UPDATE test_sessions SET forward_url = $2, forward_enabled = $3 WHERE source_id = $1'
/** ($1 event id, $2 source id) The event, if it is the source's. */
export const eventOfQuery = (walk: EventWalk): string => `SELECT e.id FROM events e WHERE ${walk.is('$1')} AND e.source_id = $2`
export const UPSERT_NOTE = `INSERT INTO event_notes (event_id, source_id, note, updated_at) VALUES ($1, $2, $3, $4)
	ON CONFLICT (event_id) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at`
export const DELETE_NOTE = 'DELETE FROM event_notes WHERE event_id = $1'

/**
 * A session's events, scoped to its source's environment as well: the list indexes lead
 * with the environment, so the source alone would walk every event (the claim moves both together).
 */
const ofSession = (walk: EventWalk, at = '$1') => `${walk.env(`(SELECT env_id FROM sources WHERE id = ${at})`)} AND ${walk.source(at)}`

/** ($1 source id, $2 after this event id, $3 limit): an export page, oldest first (by id or seq: `order`). */
export const exportPageQuery = (order: EventWalk) => `SELECT ${EVENT_ROW}, p.body AS stored_body, n.note FROM events e
	LEFT JOIN event_payloads p ON p.event_id = e.id LEFT JOIN event_notes n ON n.event_id = e.id
	WHERE ${ofSession(order)} AND ${order.bound('>', '$2')} ORDER BY ${order.column} ASC LIMIT $3`
/** The body sizes of the same events, so only a page's bodies are read. */
export const exportSizesQuery = (order: EventWalk) =>
	`SELECT e.payload_size FROM events e WHERE ${ofSession(order)} AND ${order.bound('>', '$2')} ORDER BY ${order.column} ASC LIMIT $3`

/**
 * Everything stored for a session's events, children first, so delete and purge agree. The
 * events are found through the list index (`ofSession`): by source id alone the purge would
 * read every event of every source on SQLite (no index leads with source_id there) inside its
 * write transaction.
 */
export const purgeStatements = (walk: EventWalk): readonly string[] => [
	...eventChildrenDeletes(`SELECT e.id FROM events e WHERE ${ofSession(walk)}`),
	'DELETE FROM event_notes WHERE source_id = $1',
	`DELETE FROM events AS e WHERE ${ofSession(walk)}`,
	'DELETE FROM event_totals WHERE source_id = $1',
	'DELETE FROM dedup_keys WHERE source_id = $1',
	'DELETE FROM sources WHERE id = $1'
]

/**
 * (PostgreSQL) The session's events locked in id order before a delete touches their children:
 * an outcome batch key-share locks its events before their deliveries (delivery/repo-pg-record.ts),
 * so a delete that took the deliveries first could wait on it while it waits on them.
 */
export const lockEventsQuery = (walk: EventWalk): string => `SELECT e.id FROM events e WHERE ${ofSession(walk)} ORDER BY e.id FOR UPDATE`

/**
 * A claim, in one transaction: ($1 source id, $2 org, $3 env, $4 now) — the source becomes
 * permanent, its events move along (on SQLite with their environment's list key: `walk`).
 * The deliveries and events go first: `ofSession` finds them through the source's
 * environment, which the source row still holds until the third statement.
 */
export const claimStatements = (walk: EventWalk): readonly string[] => [
	`UPDATE deliveries SET org_id = $2, env_id = $3 WHERE event_id IN (SELECT e.id FROM events e WHERE ${ofSession(walk)})`,
	`UPDATE events AS e SET org_id = $2, ${walk.moveTo('$3')} WHERE ${ofSession(walk)}`,
	'UPDATE sources SET org_id = $2, env_id = $3, is_ephemeral = 0, expires_at = NULL, request_limit = NULL, updated_at = $4 WHERE id = $1',
	'UPDATE event_totals SET env_id = $2 WHERE source_id = $1',
	'DELETE FROM test_sessions WHERE source_id = $1'
]

/** Each CLAIM statement's parameters, in order (PostgreSQL cannot type a parameter a statement does not use). */
export function claimParams(id: string, orgId: string, envId: string, now: number): SqlValue[][] {
	return [[id, orgId, envId], [id, orgId, envId], [id, orgId, envId, now], [id, envId], [id]]
}

/** A session's events, newest first (by id or seq: `order`), from after `cursor` (an event id), with notes. */
export function eventsQuery(order: EventWalk, sourceId: string, q: { cursor: string | null; limit: number; method?: string | undefined }): { text: string; params: SqlValue[] } {
	const w = whereOf([[ofSession(order, '?'), sourceId], [order.bound('<'), q.cursor], ['e.method = ?', q.method]])
	return {
		text: `SELECT ${SUMMARY_COLUMNS}, n.note FROM events e LEFT JOIN event_notes n ON n.event_id = e.id
			WHERE ${w.sql} ORDER BY ${order.column} DESC LIMIT ${w.bind(q.limit)}`,
		params: w.params
	}
}

/**
 * How many of the next events an export page takes: at most `limit` (the sizes list),
 * and no more than `maxBytes` of bodies (the one crossing it last, so a page is never
 * empty while events remain).
 */
export function exportCount(sizes: readonly { payload_size: number }[], maxBytes: number): number {
	let count = 0
	let bytes = 0
	for (const { payload_size } of sizes) {
		if (count > 0 && bytes >= maxBytes) break
		bytes += payload_size
		count++
	}
	return count
}
