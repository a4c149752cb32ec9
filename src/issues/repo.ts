import type { Database } from 'bun:sqlite'
import { type Condition, prepare, type SqlValue, whereOf } from '../db/sql'

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

const SELECT = 'SELECT i.*, d.name AS destination_name FROM issues i LEFT JOIN destinations d ON d.id = i.destination_id'

export interface IssueFilter {
	status: string | null
	destinationId: string | null
}

function conditionsOf(envId: string, f: IssueFilter): Condition[] {
	return [['i.env_id = ?', envId], ['i.status = ?', f.status], ['i.destination_id = ?', f.destinationId]]
}

export type IssuesRepo = ReturnType<typeof createIssuesRepo>

/** Issues are opened and bumped by the delivery repo's attempt transaction; this is the API's side. */
export function createIssuesRepo(db: Database) {
	const byId = prepare<IssueListRow, [string]>(db, `${SELECT} WHERE i.id = $1`)
	const summary = prepare<{ status: string; n: number }, [string]>(db, 'SELECT status, COUNT(*) AS n FROM issues WHERE env_id = $1 GROUP BY status')
	const update = prepare(db, 'UPDATE issues SET status = $2, snoozed_until = $3, resolved_at = $4, updated_at = $5 WHERE id = $1')
	const autoResolve = prepare(db, "UPDATE issues SET status = 'resolved', resolved_at = $1, updated_at = $1 WHERE status <> 'resolved' AND last_seen_at < $2")

	return {
		async findById(id: string): Promise<IssueListRow | null> {
			return byId.get(id)
		},
		/** Most recently seen first. */
		async list(envId: string, f: IssueFilter, p: { limit: number; offset: number }): Promise<IssueListRow[]> {
			const w = whereOf(conditionsOf(envId, f))
			return prepare<IssueListRow, SqlValue[]>(db, `${SELECT} WHERE ${w.sql} ORDER BY i.last_seen_at DESC, i.id DESC LIMIT ${w.bind(p.limit)} OFFSET ${w.bind(p.offset)}`).all(...w.params)
		},
		async count(envId: string, f: IssueFilter): Promise<number> {
			const w = whereOf(conditionsOf(envId, f))
			return prepare<{ n: number }, SqlValue[]>(db, `SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`).get(...w.params)?.n ?? 0
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
