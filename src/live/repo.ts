import type { Database } from 'bun:sqlite'
import { seqInParams } from '../events/seq-sql'
import { prepare, type SqlValue } from '../db/sql'
import { SEQ_ORDER } from '../events/order-sql'
import type { EventRow } from '../events/repo'
import { BODY_OF, eventsAfterQuery, eventsByIds } from './repo-sql'

/** A stored event with its body, wherever the body is kept (inline or event_payloads). */
export interface StoredEvent {
	row: EventRow
	body: Uint8Array
}

export type LiveRepo = ReturnType<typeof createLiveRepo>

export type EventAfterRow = EventRow & { out_of_line: string | null }

type Body = Uint8Array | null | undefined

/**
 * The events of `rows` up to `limit` and `maxBytes` of bodies (the event that crosses it is
 * the last; there is always one, so a resume makes progress). Bodies kept out of line are read
 * one at a time through `bodyOf`, so memory stays near `maxBytes` whatever the events weigh.
 */
export async function takeWithin(rows: EventAfterRow[], limit: number, maxBytes: number, bodyOf: (eventId: string) => Body | Promise<Body>): Promise<{ events: StoredEvent[]; more: boolean }> {
	const events: StoredEvent[] = []
	let bytes = 0
	for (const { out_of_line, ...row } of rows) {
		if (events.length === limit || (events.length > 0 && bytes >= maxBytes)) break
		let outside: Body = null
		if (row.payload_inline === null && out_of_line !== null) {
			const read = bodyOf(out_of_line)
			outside = read instanceof Promise ? await read : read
		}
		const body = row.payload_inline ?? outside ?? new Uint8Array(0)
		bytes += body.byteLength
		events.push({ row, body })
	}
	return { events, more: rows.length > events.length }
}

/** The replay reads of the live stream: what was stored after a resume point. */
export function createLiveRepo(db: Database) {
	const bodyOf = prepare<{ body: Uint8Array }, [string]>(db, BODY_OF)
	const byIds = prepare<EventAfterRow, [string, string]>(db, eventsByIds(SEQ_ORDER))
	return {
		/**
		 * Events of the environment (and source, when given) with ids after `afterId`, oldest
		 * first (ids sort by receipt time, so this is "what came after"): at most `limit`, and
		 * no more bodies than `maxBytes` (see `takeWithin`). `more`: others follow.
		 */
		async eventsAfter(envId: string, sourceId: string | null, afterId: string, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<{ events: StoredEvent[]; more: boolean }> {
			const q = eventsAfterQuery(SEQ_ORDER, envId, sourceId, afterId, limit)
			const rows = prepare<EventAfterRow, SqlValue[]>(db, q.text).all(...q.params)
			return takeWithin(rows, limit, maxBytes, (id) => bodyOf.get(id)?.body)
		},
		/** These events (another instance stored them and sent their ids), oldest first; ids not found are left out. */
		async eventsByIds(ids: readonly string[]): Promise<StoredEvent[]> {
			if (ids.length === 0) return []
			const rows = byIds.all(...seqInParams(ids))
			return (await takeWithin(rows, rows.length, Number.POSITIVE_INFINITY, (id) => bodyOf.get(id)?.body)).events
		}
	}
}
