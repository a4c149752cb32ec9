import type { Database } from 'bun:sqlite'
import { SQLiteError } from 'bun:sqlite'
import { prepare, type SqlValue } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { NotFound } from '../lib/errors'
import { ALL, BY_ID, DESTINATION_IN_ENV, INSERT, listQuery, MUTABLE, REMOVE, ROUTES, SOURCE_IN_ENV, UPDATE } from './repo-sql'

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

export type ConnectionsRepo = ReturnType<typeof createConnectionsRepo>

/** Every SQL statement about connections, prepared once per database handle. */
export function createConnectionsRepo(db: Database) {
	const insert = prepare(db, INSERT)
	const update = prepare(db, UPDATE)
	const byId = prepare<ConnectionView, [string]>(db, BY_ID)
	const remove = prepare(db, REMOVE)
	const source = prepare<{ id: string; name: string }, [string, string]>(db, SOURCE_IN_ENV)
	const destination = prepare<{ id: string; name: string }, [string, string]>(db, DESTINATION_IN_ENV)
	const routes = prepare<RouteRow, [string]>(db, ROUTES)

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
			const q = listQuery(envId, filter, seek, limit)
			return prepare<ConnectionView, SqlValue[]>(db, q.text).all(...q.params)
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
