import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import type { Seek } from '../lib/pagination'
import type { AttemptFilter, AttemptListRow, createAttemptsRepo } from './repo'
import { IDS_IN_PG } from '../db/id-list'
import { ATTEMPTS_BY_ID, BY_ID, byIds, countQuery, DLQ_OF_EVENT, listQuery } from './repo-sql'

const ATTEMPTS_BY_IDS = byIds(IDS_IN_PG)

/** Reads of the attempt history on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts). */
export function createAttemptsRepoPg(pg: Pg): ReturnType<typeof createAttemptsRepo> {
	return {
		async list(f: AttemptFilter, seek: Seek, page: { limit: number; offset: number }): Promise<AttemptListRow[]> {
			const q = listQuery(ATTEMPTS_BY_ID, f, seek, page)
			return retryRead(() => pg.all<AttemptListRow>(q.text, q.params))
		},
		async count(f: AttemptFilter): Promise<number> {
			const q = countQuery(f)
			return (await retryRead(() => pg.get<{ n: number }>(q.text, q.params)))?.n ?? 0
		},
		async findById(id: string): Promise<AttemptListRow | null> {
			return retryRead(() => pg.get<AttemptListRow>(BY_ID, [id]))
		},
		async findByIds(ids: readonly string[]): Promise<AttemptListRow[]> {
			return ids.length === 0 ? [] : retryRead(() => pg.all<AttemptListRow>(ATTEMPTS_BY_IDS, [[...ids]]))
		},
		async deadOfEvent(eventId: string): Promise<{ id: string; delivery_id: string }[]> {
			return retryRead(() => pg.all<{ id: string; delivery_id: string }>(DLQ_OF_EVENT, [eventId]))
		}
	}
}
