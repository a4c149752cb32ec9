import type { Database } from 'bun:sqlite'
import { SQLiteError } from 'bun:sqlite'
import { prepare, seekOf, type SqlValue, whereOf } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { NotFound } from '../lib/errors'

/** A `connections` row as stored: epoch-ms times, 0/1 flags, filter rules as JSON text. */
export interface ConnectionRow {
	id: string
	org_id: string
	env_id: string
	source_id: string
	destination_id: string
	name: string
	description: string | null
	enabled: number
	filter_rules: string | null
	status: string
	event_count: number
	last_event_at: number | null
	transform_enabled: number
	transform_expression: string | null
	created_at: number
	updated_at: number
}

/** A row with the names of its source and destination (the wire shape carries both). */
export interface ConnectionView extends ConnectionRow {
	source_name: string | null
	destination_name: string | null
}

/** The columns `activeRoutes` needs of a routable connection. */
export interface RouteRow {
	id: string
	org_id: string
	env_id: string
	destination_id: string
	filter_rules: string | null
}

const ALL = [
	'id', 'org_id', 'env_id', 'source_id', 'destination_id', 'name', 'description', 'enabled', 'filter_rules', 'status',
	'event_count', 'last_event_at', 'transform_enabled', 'transform_expression', 'created_at', 'updated_at'
] as const satisfies readonly (keyof ConnectionRow)[]

/** Columns a PATCH may change: source and destination are fixed for a connection's life. */
const MUTABLE = [
	'name', 'description', 'enabled', 'filter_rules', 'status', 'transform_enabled', 'transform_expression', 'updated_at'
] as const satisfies readonly (keyof ConnectionRow)[]

const VIEW = `SELECT c.*, s.name AS source_name, d.name AS destination_name
	FROM connections c
	LEFT JOIN sources s ON s.id = c.source_id
	LEFT JOIN destinations d ON d.id = c.destination_id`

export type ConnectionsRepo = ReturnType<typeof createConnectionsRepo>

/** Every SQL statement about connections, prepared once per database handle. */
export function createConnectionsRepo(db: Database) {
	const insert = prepare(db, `INSERT INTO connections (${ALL.join(', ')}) VALUES (${ALL.map((_, i) => `$${i + 1}`).join(', ')})`)
	const update = prepare(db, `UPDATE connections SET ${MUTABLE.map((c, i) => `${c} = $${i + 3}`).join(', ')} WHERE id = $1 AND env_id = $2`)
	const byId = prepare<ConnectionView, [string]>(db, `${VIEW} WHERE c.id = $1`)
	const remove = prepare(db, 'DELETE FROM connections WHERE id = $1 AND env_id = $2')
	const source = prepare<{ id: string; name: string }, [string, string]>(db, 'SELECT id, name FROM sources WHERE id = $1 AND env_id = $2')
	const destination = prepare<{ id: string; name: string }, [string, string]>(db, 'SELECT id, name FROM destinations WHERE id = $1 AND env_id = $2')
	// A paused destination still gets deliveries queued (the worker holds them until it is active
	// again); a disabled one takes none.
	const routes = prepare<RouteRow, [string]>(
		db,
		`SELECT c.id, c.org_id, c.env_id, c.destination_id, c.filter_rules
		 FROM connections c JOIN destinations d ON d.id = c.destination_id
		 WHERE c.source_id = $1 AND c.status = 'active' AND c.enabled = 1 AND d.status <> 'disabled'
		 ORDER BY c.id`
	)

	return {
		async insert(row: ConnectionRow): Promise<void> {
			try {
				insert.run(...ALL.map((c) => row[c]))
			} catch (err) {
				// The source or destination was deleted between the service's check and this insert.
				if (err instanceof SQLiteError && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFound('Source or destination')
				throw err
			}
		},
		/** Any environment: callers that serve tenants must check `env_id` themselves. */
		async findById(id: string): Promise<ConnectionView | null> {
			return byId.get(id)
		},
		/** `limit` rows from the seek point, in its fetch order. */
		async list(envId: string, filter: { sourceId: string | null; destinationId: string | null }, seek: Seek, limit: number): Promise<ConnectionView[]> {
			const { condition, orderBy } = seekOf('c.id', seek)
			const w = whereOf([['c.env_id = ?', envId], ['c.source_id = ?', filter.sourceId], ['c.destination_id = ?', filter.destinationId], condition])
			return prepare<ConnectionView, SqlValue[]>(db, `${VIEW} WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(limit)}`).all(...w.params)
		},
		async update(row: ConnectionRow): Promise<boolean> {
			return update.run(row.id, row.env_id, ...MUTABLE.map((c) => row[c])).changes > 0
		},
		async delete(envId: string, id: string): Promise<boolean> {
			return remove.run(id, envId).changes > 0
		},
		/** The source, if it exists in this environment (a connection may not cross environments). */
		async sourceInEnv(envId: string, id: string): Promise<{ id: string; name: string } | null> {
			return source.get(id, envId)
		},
		async destinationInEnv(envId: string, id: string): Promise<{ id: string; name: string } | null> {
			return destination.get(id, envId)
		},
		/** Connections of a source that may route now: both ends active, the connection enabled. */
		async activeRoutes(sourceId: string): Promise<RouteRow[]> {
			return routes.all(sourceId)
		}
	}
}
