import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, whereOf } from '../db/sql'
import { idFloorAt } from '../lib/ids'
import { LATENCY_BOUNDS_MS } from '../metrics/histogram'

/** One rule's scope over one time window [from, to). */
export interface SignalScope { envId: string; sourceId: string | null; destinationId: string | null; from: number; to: number }

const LE_CASE = `CASE ${LATENCY_BOUNDS_MS.map((le) => `WHEN duration_ms <= ${le} THEN ${le}`).join(' ')} ELSE 0 END`

/**
 * What alert rules measure, read from the raw rows of a short window (minutes):
 * ids are time-ordered, so each query is an index range on the id.
 */
export function createSignalsRepo(db: Database) {
	const attemptWhere = (s: SignalScope) => whereOf([
		['env_id = ?', s.envId], ['id >= ?', idFloorAt('da', s.from)], ['id < ?', idFloorAt('da', s.to)], ['destination_id = ?', s.destinationId],
		['connection_id IN (SELECT id FROM connections WHERE source_id = ?)', s.sourceId]
	])
	return {
		async attempts(s: SignalScope): Promise<{ total: number; failed: number; dlq: number }> {
			const w = attemptWhere(s)
			const row = prepare<{ total: number; failed: number | null; dlq: number | null }, SqlValue[]>(db, `SELECT COUNT(*) AS total,
				SUM(CASE WHEN status = 'success' THEN 0 ELSE 1 END) AS failed, SUM(CASE WHEN is_dlq = 1 THEN 1 ELSE 0 END) AS dlq
				FROM delivery_attempts WHERE ${w.sql}`).get(...w.params)
			return { total: row?.total ?? 0, failed: row?.failed ?? 0, dlq: row?.dlq ?? 0 }
		},
		/** Attempt durations in the metrics histogram's buckets (`le_ms`, 0 = overflow). */
		async latency(s: SignalScope): Promise<{ le_ms: number; count: number }[]> {
			const w = attemptWhere(s)
			return prepare<{ le_ms: number; count: number }, SqlValue[]>(db, `SELECT ${LE_CASE} AS le_ms, COUNT(*) AS count FROM delivery_attempts
				WHERE ${w.sql} AND duration_ms IS NOT NULL GROUP BY ${LE_CASE}`).all(...w.params)
		},
		async events(s: SignalScope): Promise<number> {
			const w = whereOf([['env_id = ?', s.envId], ['id >= ?', idFloorAt('evt', s.from)], ['id < ?', idFloorAt('evt', s.to)], ['source_id = ?', s.sourceId]])
			return prepare<{ n: number }, SqlValue[]>(db, `SELECT COUNT(*) AS n FROM events WHERE ${w.sql}`).get(...w.params)?.n ?? 0
		},
		/** Issues opened in the window (a destination scope narrows them). */
		async issuesOpened(s: SignalScope): Promise<{ id: string; destination_id: string; error_type: string; message: string }[]> {
			const w = whereOf([['env_id = ?', s.envId], ['created_at >= ?', s.from], ['created_at < ?', s.to], ['destination_id = ?', s.destinationId]])
			return prepare<{ id: string; destination_id: string; error_type: string; message: string }, SqlValue[]>(db,
				`SELECT id, destination_id, error_type, message FROM issues WHERE ${w.sql} ORDER BY id`).all(...w.params)
		}
	}
}
