import { type Condition, type SqlValue, whereOf } from '../db/sql'
import type { IssueFilter } from './repo'

/** SQL of the issues repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

const SELECT = 'SELECT i.*, d.name AS destination_name FROM issues i LEFT JOIN destinations d ON d.id = i.destination_id'

export const BY_ID = `${SELECT} WHERE i.id = $1`
/** Issues whose id is in a list, `idsIn` the engine's test of it (src/db/id-list.ts); any order. */
export const byIds = (idsIn: string) => `${SELECT} WHERE i.id ${idsIn}`
export const SUMMARY = 'SELECT status, COUNT(*) AS n FROM issues WHERE env_id = $1 GROUP BY status'
export const UPDATE = 'UPDATE issues SET status = $2, snoozed_until = $3, resolved_at = $4, updated_at = $5 WHERE id = $1'
export const AUTO_RESOLVE = "UPDATE issues SET status = 'resolved', resolved_at = $1, updated_at = $1 WHERE status <> 'resolved' AND last_seen_at < $2"

function conditionsOf(envId: string, f: IssueFilter): Condition[] {
	return [['i.env_id = ?', envId], ['i.status = ?', f.status], ['i.destination_id = ?', f.destinationId]]
}

/** Most recently seen first. */
export function listQuery(envId: string, f: IssueFilter, p: { limit: number; offset: number }): { text: string; params: SqlValue[] } {
	const w = whereOf(conditionsOf(envId, f))
	return { text: `${SELECT} WHERE ${w.sql} ORDER BY i.last_seen_at DESC, i.id DESC LIMIT ${w.bind(p.limit)} OFFSET ${w.bind(p.offset)}`, params: w.params }
}

export function countQuery(envId: string, f: IssueFilter): { text: string; params: SqlValue[] } {
	const w = whereOf(conditionsOf(envId, f))
	return { text: `SELECT COUNT(*) AS n FROM issues i WHERE ${w.sql}`, params: w.params }
}
