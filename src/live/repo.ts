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
	const bodyOf = prepare<{ body: Uint8Array }, [string]>(db, 'SELECT body FROM event_payloads WHERE event_id = $1')
	const byIds = prepare<EventRow & { out_of_line: string | null }, [string]>(
		db,
		`SELECT e.*, p.event_id AS out_of_line FROM events e LEFT JOIN event_payloads p ON p.event_id = e.id
		 WHERE e.id IN (SELECT value FROM json_each($1)) ORDER BY e.id ASC`
	)
	const bodyFor = (row: EventRow, outOfLine: string | null) => row.payload_inline ?? (outOfLine === null ? null : bodyOf.get(outOfLine)?.body) ?? new Uint8Array(0)
	return {
		/**
		 * Events of the environment (and source, when given) with ids after `afterId`, oldest
		 * first (ids sort by receipt time, so this is "what came after"): at most `limit`, and
		 * no more bodies than `maxBytes` (the event that crosses it is the last; there is always
		 * one, so a resume makes progress). Bodies kept out of line are read one at a time, so
		 * memory stays near `maxBytes` whatever the events weigh. `more`: others follow.
		 */
		async eventsAfter(envId: string, sourceId: string | null, afterId: string, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<{ events: StoredEvent[]; more: boolean }> {
			const w = whereOf([['e.env_id = ?', envId], ['e.source_id = ?', sourceId], ['e.id > ?', afterId]])
			const rows = prepare<EventRow & { out_of_line: string | null }, SqlValue[]>(
				db,
				`SELECT e.*, p.event_id AS out_of_line FROM events e LEFT JOIN event_payloads p ON p.event_id = e.id
				 WHERE ${w.sql} ORDER BY e.id ASC LIMIT ${w.bind(limit + 1)}`
			).all(...w.params)
			const events: StoredEvent[] = []
			let bytes = 0
			for (const { out_of_line, ...row } of rows) {
				if (events.length === limit || (events.length > 0 && bytes >= maxBytes)) break
				const body = bodyFor(row, out_of_line)
				bytes += body.byteLength
				events.push({ row, body })
			}
			return { events, more: rows.length > events.length }
		},
		/** These events (another instance stored them and sent their ids), oldest first; ids not found are left out. */
		async eventsByIds(ids: readonly string[]): Promise<StoredEvent[]> {
			if (ids.length === 0) return []
			return byIds.all(JSON.stringify(ids)).map(({ out_of_line, ...row }) => ({ row, body: bodyFor(row, out_of_line) }))
		}
	}
}
