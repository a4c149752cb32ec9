import { IDS_IN_SQLITE, idsInSqlite } from '../db/id-list'
import { queueIndexed } from '../delivery/repo-sql'
import { LATENCY_BOUNDS_MS, MINUTE_MS } from './histogram'

/**
 * The metrics SQL both engines run as written (src/metrics/repo.ts, repo-pg.ts).
 * Integer division truncates on both, and SUMs are cast so PostgreSQL hands back
 * int8 (a number) rather than numeric (a string).
 */

/** The start of the minute holding an epoch-ms column. */
export const MINUTE = (col: string) => `(${col} / ${MINUTE_MS}) * ${MINUTE_MS}`
export const LE_CASE = `CASE ${LATENCY_BOUNDS_MS.map((le) => `WHEN duration_ms <= ${le} THEN ${le}`).join(' ')} ELSE 0 END`

/**
 * Attempt counts by minute of the rows matching `where` (the rollup's input and the API's tail),
 * grouped by everything the three aggregates tell apart (rollup-rows.ts `foldAttemptGroups`
 * folds them): one read of the rows instead of one per aggregate (1.28 → 0.97 µs an attempt on
 * SQLite, in process). `le_ms` is null without a duration, `error_type` null for a success.
 */
export function attemptGroupsSql(where: string): string {
	const m = MINUTE('created_at')
	return `SELECT env_id, destination_id, ${m} AS bucket, CASE WHEN status = 'success' THEN 1 ELSE 0 END AS ok, is_dlq,
		CASE WHEN duration_ms IS NULL THEN NULL ELSE ${LE_CASE} END AS le_ms, CASE WHEN status <> 'success' THEN error_type END AS error_type,
		COUNT(*) AS count
		FROM delivery_attempts WHERE ${where} GROUP BY 1, 2, 3, 4, 5, 6, 7`
}

// Upserts: the INSERT head, then `VALUES` with one row per bucket (one on SQLite, a batch on PostgreSQL), then the merge.
export const VOLUME_INSERT = 'INSERT INTO metric_volume (env_id, span, bucket, source_id, event_count)'
export const VOLUME_MERGE = 'ON CONFLICT (env_id, span, bucket, source_id) DO UPDATE SET event_count = metric_volume.event_count + excluded.event_count'
export const DELIVERIES_INSERT = 'INSERT INTO metric_deliveries (env_id, span, bucket, destination_id, delivery_count, success_count, failure_count, dlq_count)'
export const DELIVERIES_MERGE = `ON CONFLICT (env_id, span, bucket, destination_id) DO UPDATE SET
	delivery_count = metric_deliveries.delivery_count + excluded.delivery_count, success_count = metric_deliveries.success_count + excluded.success_count,
	failure_count = metric_deliveries.failure_count + excluded.failure_count, dlq_count = metric_deliveries.dlq_count + excluded.dlq_count`
/** Histograms are merged in the app (JSON text), so the stored one is simply replaced. */
export const LATENCY_INSERT = 'INSERT INTO metric_latency (env_id, span, bucket, destination_id, counts)'
export const LATENCY_MERGE = 'ON CONFLICT (env_id, span, bucket, destination_id) DO UPDATE SET counts = excluded.counts'
export const ERRORS_INSERT = 'INSERT INTO metric_errors (env_id, span, bucket, destination_id, error_type, count)'
export const ERRORS_MERGE = 'ON CONFLICT (env_id, span, bucket, destination_id, error_type) DO UPDATE SET count = metric_errors.count + excluded.count'

export const GET_MARK = 'SELECT last_id FROM metric_watermarks WHERE name = $1'
export const SET_MARK = 'INSERT INTO metric_watermarks (name, last_id) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id'

export const ROLLED_VOLUME = (where: string) => `SELECT env_id, source_id, bucket, event_count FROM metric_volume WHERE ${where}`
export const ROLLED_DELIVERIES = (where: string) =>
	`SELECT env_id, destination_id, bucket, delivery_count, success_count, failure_count, dlq_count FROM metric_deliveries WHERE ${where}`
export const ROLLED_ERRORS = (where: string) => `SELECT env_id, destination_id, bucket, error_type, count FROM metric_errors WHERE ${where}`
export const ROLLED_LATENCY = (where: string) => `SELECT env_id, destination_id, bucket, counts FROM metric_latency WHERE ${where}`

export const OVERVIEW = `SELECT
	(SELECT COUNT(*) FROM sources WHERE env_id = $1 AND status = 'active') AS active_sources,
	(SELECT COUNT(*) FROM destinations WHERE env_id = $1 AND status = 'active') AS active_destinations,
	(SELECT COUNT(*) FROM issues WHERE env_id = $1 AND status = 'open') AS open_issues`
export const SOURCE_NAMES = 'SELECT id, name FROM sources WHERE env_id = $1'
export const DESTINATION_NAMES = 'SELECT id, name FROM destinations WHERE env_id = $1'
export const METRIC_TABLES = ['metric_volume', 'metric_deliveries', 'metric_latency', 'metric_errors'] as const
export const TRIM = (table: string) => `DELETE FROM ${table} WHERE span = $1 AND bucket < $2`

// Queued rows are counted in the queue index (its condition repeated: src/delivery/repo-sql.ts queueIndexed), leased ones in deliveries_leased.
export const QUEUE_STATES = `SELECT 'queued' AS state, COUNT(*) AS n FROM deliveries WHERE state = 'queued' AND ${queueIndexed()}
	UNION ALL SELECT 'leased' AS state, COUNT(*) AS n FROM deliveries WHERE state = 'leased'`
export const OLDEST_DUE = `SELECT MIN(due_at) AS due FROM deliveries WHERE state = 'queued' AND ${queueIndexed()} AND due_at <= $1`
/**
 * SQLite's leases are held in memory (src/delivery/memory-leases.ts) and their rows stay queued in
 * storage: how many of those ($1, their ids: db/id-list.ts) are still queued, and the oldest due by
 * $1 of the others ($2, the same ids).
 */
export const LEASED_IN_MEMORY = `SELECT COUNT(*) AS n FROM deliveries WHERE id ${IDS_IN_SQLITE} AND state = 'queued'`
export const OLDEST_DUE_NOT_LEASED = `${OLDEST_DUE} AND id NOT ${idsInSqlite('$2')}`
export const CIRCUITS = 'SELECT id AS destination_id, circuit_state AS state FROM destinations ORDER BY id'
