import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import { resourceTablePg } from '../db/resource-table-pg'
import type { Seek } from '../lib/pagination'
import type { createSourcesRepo, SourceRow } from './repo'
import { ANY_SEALED, RATE_LIMITED, SOURCES_TABLE } from './repo-sql'

/** The sources repo on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts). */
export function createSourcesRepoPg(pg: Pg): ReturnType<typeof createSourcesRepo> {
	const table = resourceTablePg<SourceRow>(pg, SOURCES_TABLE)
	return {
		...table,
		async anySealedSecret(): Promise<string | null> {
			return (await retryRead(() => pg.get<{ v: string }>(ANY_SEALED)))?.v ?? null
		},
		async rateLimited(): Promise<{ id: string; rate_limit_per_second: number }[]> {
			return retryRead(() => pg.all(RATE_LIMITED))
		},
		async list(envId: string, filter: { status: string | null }, seek: Seek, limit: number): Promise<SourceRow[]> {
			return table.list(envId, [['status = ?', filter.status]], seek, limit)
		}
	}
}
