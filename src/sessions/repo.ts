import type { Database } from 'bun:sqlite'
import { countEventDeletion } from '../db/event-deletions'
import { prepare, type SqlValue } from '../db/sql'
import { rethrowAsConflict } from '../db/unique'
import { SEQ_ORDER } from '../events/order-sql'
import type { EventRow } from '../events/repo'
import type { SourceRow } from '../sources/repo'
import {
	BY_ID, claimParams, claimStatements, CONFIGURED, DELETE_NOTE, eventOfQuery, eventsQuery, EXPIRED, exportCount, exportPageQuery, exportSizesQuery, INSERT_SESSION,
	INSERT_SOURCE, purgeStatements, SET_FORWARDING, SET_RESPONSE, SOURCE_COLUMNS, UPSERT_NOTE
} from './repo-sql'

/** A session as stored: its source row's fields plus the session's own. */
export interface SessionRow {
	source_id: string
	org_id: string
	env_id: string
	slug: string
	event_count: number
	expires_at: number | null
	request_limit: number | null
	created_at: number
	created_ip: string | null
	response_status: number | null
	response_content_type: string | null
	response_body: string | null
	forward_url: string | null
	forward_enabled: number
}

export type SessionEventRow = Omit<EventRow, 'payload_inline'> & { note: string | null }
export type ExportRow = EventRow & { stored_body: Uint8Array | null; note: string | null }

export type SessionsRepo = ReturnType<typeof createSessionsRepo>

/** Each statement runs with its own parameters (claimParams), as on PostgreSQL. */
function inOneTransaction(db: Database, texts: readonly string[]) {
	const statements = texts.map((text) => prepare(db, text))
	return db.transaction((params: SqlValue[][]) => {
		statements.forEach((s, i) => s.run(...(params[i] ?? [])))
	})
}

export function createSessionsRepo(db: Database) {
	const insertSource = prepare(db, INSERT_SOURCE)
	const insertSession = prepare(db, INSERT_SESSION)
	const byId = prepare<SessionRow, [string]>(db, BY_ID)
	const configured = prepare<SessionRow, []>(db, CONFIGURED)
	const expired = prepare<{ source_id: string }, [number, number]>(db, EXPIRED)
	const setResponse = prepare(db, SET_RESPONSE)
	const setForwarding = prepare(db, SET_FORWARDING)
	const eventOf = prepare<{ id: string }, [string, string]>(db, eventOfQuery(SEQ_ORDER))
	const upsertNote = prepare(db, UPSERT_NOTE)
	const deleteNote = prepare(db, DELETE_NOTE)
	const purgeSql = purgeStatements(SEQ_ORDER)
	const purge = inOneTransaction(db, purgeSql)
	const exportPage = prepare<ExportRow, [string, string, number]>(db, exportPageQuery(SEQ_ORDER))
	const exportSizes = prepare<{ payload_size: number }, [string, string, number]>(db, exportSizesQuery(SEQ_ORDER))
	const claim = inOneTransaction(db, claimStatements(SEQ_ORDER))

	return {
		async create(source: SourceRow, ip: string | null): Promise<void> {
			db.transaction(() => {
				insertSource.run(...SOURCE_COLUMNS.map((c) => source[c]))
				insertSession.run(source.id, ip, source.created_at)
			}).immediate()
		},
		async find(id: string): Promise<SessionRow | null> {
			return byId.get(id)
		},
		/** Sessions with a custom response or forwarding on: held in memory for the ingest path. */
		async configured(): Promise<SessionRow[]> {
			return configured.all()
		},
		async expiredBefore(now: number, limit: number): Promise<string[]> {
			return expired.all(now, limit).map((r) => r.source_id)
		},
		async setResponse(id: string, status: number | null, contentType: string | null, body: string | null): Promise<void> {
			setResponse.run(id, status, contentType, body)
		},
		async setForwarding(id: string, url: string | null, enabled: boolean): Promise<void> {
			setForwarding.run(id, url, enabled ? 1 : 0)
		},
		/** Newest first, from after `cursor` (an event id), with notes. */
		async events(sourceId: string, q: { cursor: string | null; limit: number; method?: string | undefined }): Promise<SessionEventRow[]> {
			const e = eventsQuery(SEQ_ORDER, sourceId, q)
			return prepare<SessionEventRow, SqlValue[]>(db, e.text).all(...e.params)
		},
		/** Up to `limit` events with bodies and notes after `afterId`, oldest first. */
		/**
		 * The next events after `afterId` with their bodies: at most `limit`, and no more than
		 * `maxBytes` of bodies (the one crossing it last, so a page is never empty while events
		 * remain). Sizes are read first so the page's bodies are the only ones loaded.
		 */
		async exportPage(sourceId: string, afterId: string, limit: number, maxBytes: number): Promise<ExportRow[]> {
			const count = exportCount(exportSizes.all(sourceId, afterId, limit), maxBytes)
			return count === 0 ? [] : exportPage.all(sourceId, afterId, count)
		},
		/** Sets (or with null, clears) a note; false when the event is not this session's. */
		async setNote(sourceId: string, eventId: string, note: string | null, now: number): Promise<boolean> {
			if (!eventOf.get(eventId, sourceId)) return false
			if (note === null) deleteNote.run(eventId)
			else upsertNote.run(eventId, sourceId, note, now)
			return true
		},
		/** The session, its source and everything its events left behind. */
		async delete(sourceId: string): Promise<void> {
			purge.immediate(purgeSql.map(() => [sourceId]))
			countEventDeletion(db)
		},
		/** The source becomes a permanent one of the caller's environment, its events with it. */
		async claim(id: string, orgId: string, envId: string, now: number, slug: string): Promise<void> {
			try {
				claim.immediate(claimParams(id, orgId, envId, now))
			} catch (err) {
				rethrowAsConflict(err, `A source with slug '${slug}' already exists in your environment`, '/slug')
			}
		}
	}
}
