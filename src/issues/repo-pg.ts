import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import type { createIssuesRepo, IssueFilter, IssueListRow } from './repo'
import { IDS_IN_PG } from '../db/id-list'
import { AUTO_RESOLVE, BY_ID, byIds, countQuery, listQuery, SUMMARY, UPDATE } from './repo-sql'

const ISSUES_BY_IDS = byIds(IDS_IN_PG)

/** The API's side of issues on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts). */
export function createIssuesRepoPg(pg: Pg): ReturnType<typeof createIssuesRepo> {
	return {
		async findById(id: string): Promise<IssueListRow | null> {
			return retryRead(() => pg.get<IssueListRow>(BY_ID, [id]))
		},
		async findByIds(ids: readonly string[]): Promise<IssueListRow[]> {
			return ids.length === 0 ? [] : retryRead(() => pg.all<IssueListRow>(ISSUES_BY_IDS, [[...ids]]))
		},
		async list(envId: string, f: IssueFilter, p: { limit: number; offset: number }): Promise<IssueListRow[]> {
			const q = listQuery(envId, f, p)
			return retryRead(() => pg.all<IssueListRow>(q.text, q.params))
		},
		async count(envId: string, f: IssueFilter): Promise<number> {
			const q = countQuery(envId, f)
			return (await retryRead(() => pg.get<{ n: number }>(q.text, q.params)))?.n ?? 0
		},
		async summary(envId: string): Promise<Record<string, number>> {
			const rows = await retryRead(() => pg.all<{ status: string; n: number }>(SUMMARY, [envId]))
			return Object.fromEntries(rows.map((r) => [r.status, r.n]))
		},
		async update(id: string, s: { status: string; snoozedUntil: number | null; resolvedAt: number | null; now: number }): Promise<void> {
			await pg.run(UPDATE, [id, s.status, s.snoozedUntil, s.resolvedAt, s.now])
		},
		/** Idempotent: several instances resolving the same quiet issues change each row once. */
		async autoResolve(now: number, quietSince: number): Promise<number> {
			return pg.run(AUTO_RESOLVE, [now, quietSince])
		}
	}
}
