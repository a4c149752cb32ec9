import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, whereOf } from '../db/sql'
import type { EventRow } from '../events/repo'

/** A stored event with its body, wherever the body is kept (inline or event_payloads). */
export interface StoredEvent {
	row: EventRow
	body: Uint8Array
}

export type LiveRepo = ReturnType<typeof createLiveRepo>

/** The replay reads of the live stream: what was stored after a resume point. */
export function createLiveRepo(db: Database) {
	return {
		/**
		 * Up to `limit` events of the environment (and source, when given) with ids after
		 * `afterId`, oldest first. Ids sort by receipt time, so this is "what came after".
		 */
		async eventsAfter(envId: string, sourceId: string | null, afterId: string, limit: number): Promise<StoredEvent[]> {
			const w = whereOf([['e.env_id = ?', envId], ['e.source_id = ?', sourceId], ['e.id > ?', afterId]])
			const rows = prepare<EventRow & { stored_body: Uint8Array | null }, SqlValue[]>(
				db,
				`SELECT e.*, p.body AS stored_body FROM events e LEFT JOIN event_payloads p ON p.event_id = e.id
				 WHERE ${w.sql} ORDER BY e.id ASC LIMIT ${w.bind(limit)}`
			).all(...w.params)
			return rows.map(({ stored_body, ...row }) => ({ row, body: row.payload_inline ?? stored_body ?? new Uint8Array(0) }))
		}
	}
}
