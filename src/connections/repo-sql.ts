import { seekOf, type SqlValue, valuesList, whereOf } from '../db/sql'
import type { Seek } from '../lib/pagination'
import type { ConnectionRow } from './repo'

/** SQL of the connections repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

export const ALL = [
	'id', 'org_id', 'env_id', 'source_id', 'destination_id', 'name', 'description', 'enabled', 'filter_rules', 'status',
	'event_count', 'last_event_at', 'transform_enabled', 'transform_expression', 'created_at', 'updated_at'
] as const satisfies readonly (keyof ConnectionRow)[]

/** Columns a PATCH may change: source and destination are fixed for a connection's life. */
export const MUTABLE = [
	'name', 'description', 'enabled', 'filter_rules', 'status', 'transform_enabled', 'transform_expression', 'updated_at'
] as const satisfies readonly (keyof ConnectionRow)[]

const VIEW = `SELECT c.*, s.name AS source_name, d.name AS destination_name
	FROM connections c
	LEFT JOIN sources s ON s.id = c.source_id
	LEFT JOIN destinations d ON d.id = c.destination_id`

export const INSERT = `INSERT INTO connections (${ALL.join(', ')}) VALUES ${valuesList(1, ALL.length)}`
export const UPDATE = `UPDATE connections SET ${MUTABLE.map((c, i) => `${c} = $${i + 3}`).join(', ')} WHERE id = $1 AND env_id = $2`
export const BY_ID = `${VIEW} WHERE c.id = $1`
export const REMOVE = 'DELETE FROM connections WHERE id = $1 AND env_id = $2'
export const SOURCE_IN_ENV = 'SELECT id, name FROM sources WHERE id = $1 AND env_id = $2'
export const DESTINATION_IN_ENV = 'SELECT id, name FROM destinations WHERE id = $1 AND env_id = $2'
// A paused destination still gets deliveries queued (the worker holds them until it is active
// again); a disabled one takes none.
export const ROUTES = `SELECT c.id, c.org_id, c.env_id, c.destination_id, c.filter_rules
	 FROM connections c JOIN destinations d ON d.id = c.destination_id
	 WHERE c.source_id = $1 AND c.status = 'active' AND c.enabled = 1 AND d.status <> 'disabled'
	 ORDER BY c.id`

/** `limit` rows of the environment from the seek point, in its fetch order. */
export function listQuery(
	envId: string,
	filter: { sourceId: string | null; destinationId: string | null },
	seek: Seek,
	limit: number
): { text: string; params: SqlValue[] } {
	const { condition, orderBy } = seekOf('c.id', seek)
	const w = whereOf([['c.env_id = ?', envId], ['c.source_id = ?', filter.sourceId], ['c.destination_id = ?', filter.destinationId], condition])
	return { text: `${VIEW} WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(limit)}`, params: w.params }
}
