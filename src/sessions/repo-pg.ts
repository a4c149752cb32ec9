import type { Pg } from '../db/pg/client'
import { retryRead, retryTransaction } from '../db/pg/read-retry'
import { rethrowAsConflict } from '../db/unique'
import { ID_ORDER } from '../events/order-sql'
import type { SourceRow } from '../sources/repo'
import type { createSessionsRepo, ExportRow, SessionEventRow, SessionRow } from './repo'
import {
	BY_ID, claimParams, claimStatements, CONFIGURED, DELETE_NOTE, eventOfQuery, eventsQuery, EXPIRED, exportCount, exportPageQuery, exportSizesQuery,
	INSERT_SESSION, INSERT_SOURCE, lockEventsQuery, purgeStatements, SET_FORWARDING, SET_RESPONSE, SOURCE_COLUMNS, UPSERT_NOTE
} from './repo-sql'

const EXPORT_PAGE = exportPageQuery(ID_ORDER)
const EVENT_OF_PG = eventOfQuery(ID_ORDER)
const EXPORT_SIZES = exportSizesQuery(ID_ORDER)
const CLAIM = claimStatements(ID_ORDER)
const PURGE = purgeStatements(ID_ORDER)
const LOCK_EVENTS = lockEventsQuery(ID_ORDER)

/**
 * Delete and claim lock the session's source row first, as ingest does before it writes an
 * event (events/repo-pg.ts): a batch in flight commits first and its event is moved or
 * removed with the rest, and a later one waits and sees the source as it is afterwards.
 */
const LOCK_SOURCE = 'SELECT id FROM sources WHERE id = $1 FOR UPDATE'

/** The test sessions repo on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts). */
export function createSessionsRepoPg(pg: Pg): ReturnType<typeof createSessionsRepo> {
	return {
		async create(source: SourceRow, ip: string | null): Promise<void> {
			await pg.tx(async (q) => {
				await q.run(INSERT_SOURCE, SOURCE_COLUMNS.map((c) => source[c]))
				await q.run(INSERT_SESSION, [source.id, ip, source.created_at])
			})
		},
		async find(id: string): Promise<SessionRow | null> {
			return retryRead(() => pg.get<SessionRow>(BY_ID, [id]))
		},
		async configured(): Promise<SessionRow[]> {
			return retryRead(() => pg.all<SessionRow>(CONFIGURED))
		},
		async expiredBefore(now: number, limit: number): Promise<string[]> {
			return (await retryRead(() => pg.all<{ source_id: string }>(EXPIRED, [now, limit]))).map((r) => r.source_id)
		},
		async setResponse(id: string, status: number | null, contentType: string | null, body: string | null): Promise<void> {
			await pg.run(SET_RESPONSE, [id, status, contentType, body])
		},
		async setForwarding(id: string, url: string | null, enabled: boolean): Promise<void> {
			await pg.run(SET_FORWARDING, [id, url, enabled ? 1 : 0])
		},
		async events(sourceId: string, q: { cursor: string | null; limit: number; method?: string | undefined }): Promise<SessionEventRow[]> {
			const e = eventsQuery(ID_ORDER, sourceId, q)
			return retryRead(() => pg.all<SessionEventRow>(e.text, e.params))
		},
		async exportPage(sourceId: string, afterId: string, limit: number, maxBytes: number): Promise<ExportRow[]> {
			const count = exportCount(await retryRead(() => pg.all<{ payload_size: number }>(EXPORT_SIZES, [sourceId, afterId, limit])), maxBytes)
			return count === 0 ? [] : retryRead(() => pg.all<ExportRow>(EXPORT_PAGE, [sourceId, afterId, count]))
		},
		async setNote(sourceId: string, eventId: string, note: string | null, now: number): Promise<boolean> {
			if (!(await retryRead(() => pg.get(EVENT_OF_PG, [eventId, sourceId])))) return false
			if (note === null) await pg.run(DELETE_NOTE, [eventId])
			else await pg.run(UPSERT_NOTE, [eventId, sourceId, note, now])
			return true
		},
		async delete(sourceId: string): Promise<void> {
			await retryTransaction(() =>
				pg.tx(async (q) => {
					await q.run(LOCK_SOURCE, [sourceId])
					await q.run(LOCK_EVENTS, [sourceId])
					for (const text of PURGE) await q.run(text, [sourceId])
				})
			)
		},
		async claim(id: string, orgId: string, envId: string, now: number, slug: string): Promise<void> {
			const params = claimParams(id, orgId, envId, now)
			try {
				await pg.tx(async (q) => {
					await q.run(LOCK_SOURCE, [id])
					for (const [i, text] of CLAIM.entries()) await q.run(text, params[i])
				})
			} catch (err) {
				rethrowAsConflict(err, `A source with slug '${slug}' already exists in your environment`, '/slug')
			}
		}
	}
}
