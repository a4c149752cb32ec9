import { SQL } from 'bun'
import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import { NotFound } from '../lib/errors'
import type { Seek } from '../lib/pagination'
import type { ConnectionRow, ConnectionView, createConnectionsRepo, RouteRow } from './repo'
import { ALL, BY_ID, DESTINATION_IN_ENV, INSERT, listQuery, MUTABLE, REMOVE, ROUTES, SOURCE_IN_ENV, UPDATE } from './repo-sql'

/** PostgreSQL's SQLSTATE for a foreign-key violation. */
const FOREIGN_KEY_VIOLATION = '23503'

const isForeignKeyViolation = (err: unknown) => err instanceof SQL.PostgresError && (err as { errno?: string }).errno === FOREIGN_KEY_VIOLATION

type NamedRef = { id: string; name: string }

/** The connections repo on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts). */
export function createConnectionsRepoPg(pg: Pg): ReturnType<typeof createConnectionsRepo> {
	return {
		async insert(row: ConnectionRow): Promise<void> {
			try {
				await pg.run(INSERT, ALL.map((c) => row[c]))
			} catch (err) {
				// The source or destination was deleted between the service's check and this insert.
				if (isForeignKeyViolation(err)) throw new NotFound('Source or destination')
				throw err
			}
		},
		async findById(id: string): Promise<ConnectionView | null> {
			return retryRead(() => pg.get<ConnectionView>(BY_ID, [id]))
		},
		async list(envId: string, filter: { sourceId: string | null; destinationId: string | null }, seek: Seek, limit: number): Promise<ConnectionView[]> {
			const q = listQuery(envId, filter, seek, limit)
			return retryRead(() => pg.all<ConnectionView>(q.text, q.params))
		},
		async update(row: ConnectionRow): Promise<boolean> {
			return (await pg.run(UPDATE, [row.id, row.env_id, ...MUTABLE.map((c) => row[c])])) > 0
		},
		async delete(envId: string, id: string): Promise<boolean> {
			return (await pg.run(REMOVE, [id, envId])) > 0
		},
		async sourceInEnv(envId: string, id: string): Promise<NamedRef | null> {
			return retryRead(() => pg.get<NamedRef>(SOURCE_IN_ENV, [id, envId]))
		},
		async destinationInEnv(envId: string, id: string): Promise<NamedRef | null> {
			return retryRead(() => pg.get<NamedRef>(DESTINATION_IN_ENV, [id, envId]))
		},
		async activeRoutes(sourceId: string): Promise<RouteRow[]> {
			return retryRead(() => pg.all<RouteRow>(ROUTES, [sourceId]))
		}
	}
}
