import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, whereOf } from '../db/sql'
import { ISSUES_OPENED } from './repo-sql'

/** One rule's scope over one time window [from, to). */
export interface SignalScope { envId: string; sourceId: string | null; destinationId: string | null; from: number; to: number }

/**
 * Issues opened in a window, for issue_opened rules. (Every other rule reads the
 * metrics rollups' minute buckets: src/alerts/evaluator.ts.)
 */
export function createSignalsRepo(db: Database) {
	return {
		/** Issues opened in the window (a destination scope narrows them). */
		async issuesOpened(s: SignalScope): Promise<{ id: string; destination_id: string; error_type: string; message: string }[]> {
			const w = whereOf([['env_id = ?', s.envId], ['created_at >= ?', s.from], ['created_at < ?', s.to], ['destination_id = ?', s.destinationId]])
			return prepare<{ id: string; destination_id: string; error_type: string; message: string }, SqlValue[]>(db,
				ISSUES_OPENED(w.sql)).all(...w.params)
		}
	}
}
