import { valuesList } from '../db/sql'
import type { EventWalk } from '../events/order-sql'

/** The replay repo's SQL, the same text on SQLite and PostgreSQL (`$n` placeholders). */

export const JOB_COLUMNS = [
	'id', 'org_id', 'env_id', 'destination_id', 'source_id', 'connection_id', 'filter', 'from_at', 'to_at', 'rate_limit', 'max_events', 'status', 'total',
	'enqueued', 'error', 'started_at', 'completed_at', 'created_at', 'updated_at'
] as const

/** Marks an item whose connection or destination was deleted before its turn. */
export const SKIPPED = 'skipped'

export const INSERT_JOB = `INSERT INTO replay_jobs (${JOB_COLUMNS.join(', ')}) VALUES ${valuesList(1, JOB_COLUMNS.length)}`
export const INSERT_ITEM_HEAD = 'INSERT INTO replay_items (job_id, seq, event_id, connection_id) VALUES '
export const JOB_BY_ID = 'SELECT * FROM replay_jobs WHERE id = $1'
export const JOBS_OF_ENV = 'SELECT * FROM replay_jobs WHERE env_id = $1 ORDER BY id DESC LIMIT $2'
export const RUNNING = "SELECT * FROM replay_jobs WHERE status = 'running' ORDER BY id"
export const NEXT_ITEMS = 'SELECT seq, event_id, connection_id FROM replay_items WHERE job_id = $1 AND delivery_id IS NULL ORDER BY seq LIMIT $2'
/**
 * CAST: PostgreSQL types a SELECT list's bare parameters as text. Only while the event, connection
 * and destination exist. `eventSeq`: SQLite's deliveries carry their event's seq (migration 23).
 */
export const insertDeliveryQuery = (walk: EventWalk, eventSeq: boolean): string => `INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at${eventSeq ? ', event_seq' : ''})
	SELECT $1, $2, $3, $4, $5, $6, 'queued', 0, CAST($7 AS BIGINT), 'replay', CAST($8 AS BIGINT), CAST($8 AS BIGINT)${eventSeq ? ', e.seq' : ''} FROM events e
	WHERE ${walk.is('$4')} AND EXISTS (SELECT 1 FROM connections WHERE id = $5) AND EXISTS (SELECT 1 FROM destinations WHERE id = $6)`
export const SET_ITEM = 'UPDATE replay_items SET delivery_id = $3 WHERE job_id = $1 AND seq = $2'
export const BUMP_JOB = 'UPDATE replay_jobs SET enqueued = enqueued + $2, updated_at = $3 WHERE id = $1'
export const PROGRESS = `SELECT d.state AS state, CASE WHEN i.delivery_id = '${SKIPPED}' THEN 1 ELSE 0 END AS skipped, COUNT(*) AS n
	FROM replay_items i LEFT JOIN deliveries d ON d.id = i.delivery_id WHERE i.job_id = $1 AND i.delivery_id IS NOT NULL
	GROUP BY d.state, CASE WHEN i.delivery_id = '${SKIPPED}' THEN 1 ELSE 0 END`
export const FINISH_JOB = "UPDATE replay_jobs SET status = $2, completed_at = $3, error = $4, updated_at = $3 WHERE id = $1 AND status = 'running'"
/**
 * ($1 job) A cancelled job's deliveries not yet tried. Leased ones (claimed ahead, or in flight) stay:
 * they are sent and recorded. `notLeased` is SQLite's test of the ids it holds leased in memory
 * (src/delivery/memory-leases.ts; $2, a JSON array), whose rows are still `queued` in storage.
 */
export const dropQueued = (notLeased = ''): string => `DELETE FROM deliveries WHERE state = 'queued' AND attempts = 0 AND trigger_type = 'replay'
	AND id IN (SELECT delivery_id FROM replay_items WHERE job_id = $1 AND delivery_id IS NOT NULL)${notLeased}`
export const PURGE = "DELETE FROM replay_jobs WHERE status <> 'running' AND completed_at < $1"
export const STATUS_OF = 'SELECT status, enqueued FROM replay_jobs WHERE id = $1'

/** The connections a replay may use, narrowed to one connection and/or source; params in order, nulls left out. */
export function connectionsQuery(envId: string, destinationId: string, connectionId: string | null, sourceId: string | null): { text: string; params: string[] } {
	return {
		text: `SELECT id, source_id, filter_rules FROM connections WHERE env_id = $1 AND destination_id = $2${connectionId ? ' AND id = $3' : ''}${sourceId ? ` AND source_id = $${connectionId ? 4 : 3}` : ''} ORDER BY id`,
		params: [envId, destinationId, connectionId, sourceId].filter((v): v is string => v !== null)
	}
}

/**
 * Unique events of these sources with ids in [`$2`, `$3`) past `$4`, oldest first (by id or
 * seq: `order`), `$5` of them, with their bodies; the sources from `$6`.
 */
export function candidatesQuery(order: EventWalk, sourceCount: number): string {
	const list = Array.from({ length: sourceCount }, (_, i) => `$${i + 6}`).join(', ')
	return `SELECT e.id, e.source_id, e.headers, e.method, e.content_type, e.source_ip, COALESCE(e.payload_inline, p.body) AS body
		FROM events e LEFT JOIN event_payloads p ON p.event_id = e.id
		WHERE ${order.env('$1')} AND ${order.edge('>=', '$2')} AND ${order.edge('<', '$3')} AND ${order.bound('>', '$4')}
		AND e.dedup_status <> 'duplicate' AND e.source_id IN (${list})
		ORDER BY ${order.column} LIMIT $5`
}
