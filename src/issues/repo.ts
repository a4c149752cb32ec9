import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue } from '../db/sql'
import { IDS_IN_SQLITE, idsParam } from '../db/id-list'
import { AUTO_RESOLVE, BY_ID, byIds, countQuery, listQuery, SUMMARY, UPDATE } from './repo-sql'

export interface IssueRow {
	id: string
	org_id: string
	env_id: string
	destination_id: string
	error_type: string
	message: string
	status: string
	occurrence_count: number
	first_seen_at: number
	last_seen_at: number
	recent_attempt_ids: string
	snoozed_until: number | null
	resolved_at: number | null
	created_at: number
	updated_at: number
}

export type IssueListRow = IssueRow & { destination_name: string | null }

export interface IssueFilter {
	status: string | null
	destinationId: string | null
}

export type IssuesRepo = ReturnType<typeof createIssuesRepo>

/** Issues are opened and bumped by the delivery repo's attempt transaction; this is the API's side. */
export function createIssuesRepo(db: Database) {
	const byId = prepare<IssueListRow, [string]>(db, BY_ID)
	const inList = prepare<IssueListRow, [string]>(db, byIds(IDS_IN_SQLITE))
	const summary = prepare<{ status: string; n: number }, [string]>(db, SUMMARY)
	const update = prepare(db, UPDATE)
	const autoResolve = prepare(db, AUTO_RESOLVE)

	return {
		async findById(id: string): Promise<IssueListRow | null> {
			return byId.get(id)
		},
		/** The issues among `ids` that exist, in no particular order: one query. */
		async findByIds(ids: readonly string[]): Promise<IssueListRow[]> {
			return ids.length === 0 ? [] : inList.all(idsParam(ids))
		},
		/** Most recently seen first. */
		async list(envId: string, f: IssueFilter, p: { limit: number; offset: number }): Promise<IssueListRow[]> {
			const q = listQuery(envId, f, p)
			return prepare<IssueListRow, SqlValue[]>(db, q.text).all(...q.params)
		},
		async count(envId: string, f: IssueFilter): Promise<number> {
			const q = countQuery(envId, f)
			return prepare<{ n: number }, SqlValue[]>(db, q.text).get(...q.params)?.n ?? 0
		},
		async summary(envId: string): Promise<Record<string, number>> {
			return Object.fromEntries(summary.all(envId).map((r) => [r.status, r.n]))
		},
		async update(id: string, s: { status: string; snoozedUntil: number | null; resolvedAt: number | null; now: number }): Promise<void> {
			update.run(id, s.status, s.snoozedUntil, s.resolvedAt, s.now)
		},
		/** Issues quiet since `quietSince` are resolved; returns how many. */
		async autoResolve(now: number, quietSince: number): Promise<number> {
			return autoResolve.run(now, quietSince).changes
		}
	}
}
