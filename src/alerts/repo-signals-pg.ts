import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import { whereOf } from '../db/sql'
import type { createSignalsRepo, SignalScope } from './repo-signals'
import { ISSUES_OPENED } from './repo-sql'

/** The PostgreSQL side of src/alerts/repo-signals.ts (same statement). */
export function createSignalsRepoPg(pg: Pg): ReturnType<typeof createSignalsRepo> {
	return {
		async issuesOpened(s: SignalScope) {
			const w = whereOf([['env_id = ?', s.envId], ['created_at >= ?', s.from], ['created_at < ?', s.to], ['destination_id = ?', s.destinationId]])
			return retryRead(() => pg.all<{ id: string; destination_id: string; error_type: string; message: string }>(ISSUES_OPENED(w.sql), w.params))
		}
	}
}
