import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import { resourceTablePg } from '../db/resource-table-pg'
import type { Seek } from '../lib/pagination'
import type { createDestinationsRepo, DestinationRow } from './repo'
import { ANY_SEALED, DESTINATIONS_TABLE } from './repo-sql'

/** The destinations repo on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts). */
export function createDestinationsRepoPg(pg: Pg): ReturnType<typeof createDestinationsRepo> {
	const table = resourceTablePg<DestinationRow>(pg, DESTINATIONS_TABLE)
	return {
		...table,
		async anySealedSecret(): Promise<string | null> {
			return (await retryRead(() => pg.get<{ v: string }>(ANY_SEALED)))?.v ?? null
		},
		async list(envId: string, seek: Seek, limit: number): Promise<DestinationRow[]> {
			return table.list(envId, [], seek, limit)
		}
	}
}
