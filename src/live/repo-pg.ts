import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import { ID_ORDER } from '../events/order-sql'
import { type createLiveRepo, type EventAfterRow, type StoredEvent, takeWithin } from './repo'
import { BODY_OF, eventsAfterQuery, eventsByIds } from './repo-sql'

const EVENTS_BY_IDS = eventsByIds(ID_ORDER)

/** The replay reads of the live stream on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts). */
export function createLiveRepoPg(pg: Pg): ReturnType<typeof createLiveRepo> {
	return {
		async eventsAfter(envId: string, sourceId: string | null, afterId: string, limit: number, maxBytes = Number.POSITIVE_INFINITY): Promise<{ events: StoredEvent[]; more: boolean }> {
			const q = eventsAfterQuery(ID_ORDER, envId, sourceId, afterId, limit)
			const rows = await retryRead(() => pg.all<EventAfterRow>(q.text, q.params))
			return takeWithin(rows, limit, maxBytes, async (id) => (await retryRead(() => pg.get<{ body: Uint8Array }>(BODY_OF, [id])))?.body)
		},
		async eventsByIds(ids: readonly string[]): Promise<StoredEvent[]> {
			if (ids.length === 0) return []
			const rows = await retryRead(() => pg.all<EventAfterRow>(EVENTS_BY_IDS, [[...ids]]))
			return (await takeWithin(rows, rows.length, Number.POSITIVE_INFINITY, async (id) => (await retryRead(() => pg.get<{ body: Uint8Array }>(BODY_OF, [id])))?.body)).events
		}
	}
}
