import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, whereOf } from '../db/sql'
import { rethrowAsConflict } from '../db/unique'
import type { EventRow } from '../events/repo'
import type { SourceRow } from '../sources/repo'

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

const SOURCE_COLUMNS = [
	'id', 'org_id', 'env_id', 'slug', 'name', 'description', 'template', 'verification_enabled', 'verification_type',
	'verification_secret', 'verification_header', 'verification_config', 'dedup_enabled', 'dedup_strategy', 'dedup_field',
	'dedup_window_seconds', 'ip_allowlist', 'ip_denylist', 'status', 'event_count', 'last_event_at', 'created_at',
	'updated_at', 'is_ephemeral', 'expires_at', 'request_limit', 'type', 'source_config', 'schema_validation_enabled',
	'json_schema', 'schema_action'
] as const satisfies readonly (keyof SourceRow)[]

const SESSION = `SELECT s.id AS source_id, s.org_id, s.env_id, s.slug, s.event_count, s.expires_at, s.request_limit, t.created_at, t.created_ip,
	t.response_status, t.response_content_type, t.response_body, t.forward_url, t.forward_enabled
	FROM test_sessions t JOIN sources s ON s.id = t.source_id`

const EVENT_COLUMNS = `e.id, e.org_id, e.env_id, e.source_id, e.method, e.headers, e.query_params, e.content_type, e.source_ip,
	e.payload_ref, e.payload_size, e.verification_status, e.verification_error, e.dedup_status, e.dedup_hash, e.status, e.received_at, e.topic`

export type SessionsRepo = ReturnType<typeof createSessionsRepo>

/** Everything stored for a source's events, in one function so delete and purge agree. */
function eventPurger(db: Database) {
	const statements = [
		'DELETE FROM event_payloads WHERE event_id IN (SELECT id FROM events WHERE source_id = $1)',
		'DELETE FROM delivery_attempts WHERE event_id IN (SELECT id FROM events WHERE source_id = $1)',
		'DELETE FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE source_id = $1)',
		'DELETE FROM event_notes WHERE source_id = $1',
		'DELETE FROM events WHERE source_id = $1',
		'DELETE FROM event_totals WHERE source_id = $1',
		'DELETE FROM dedup_keys WHERE source_id = $1',
		'DELETE FROM sources WHERE id = $1'
	].map((sql) => prepare(db, sql))
	return db.transaction((sourceId: string) => {
		for (const s of statements) s.run(sourceId)
	})
}

export function createSessionsRepo(db: Database) {
	const insertSource = prepare(db, `INSERT INTO sources (${SOURCE_COLUMNS.join(', ')}) VALUES (${SOURCE_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`)
	const insertSession = prepare(db, 'INSERT INTO test_sessions (source_id, created_ip, created_at) VALUES ($1, $2, $3)')
	const byId = prepare<SessionRow, [string]>(db, `${SESSION} WHERE t.source_id = $1`)
	const configured = prepare<SessionRow, []>(db, `${SESSION} WHERE t.response_status IS NOT NULL OR t.forward_enabled = 1`)
	const expired = prepare<{ source_id: string }, [number, number]>(db, 'SELECT t.source_id FROM test_sessions t JOIN sources s ON s.id = t.source_id WHERE s.expires_at < $1 LIMIT $2')
	const setResponse = prepare(db, 'UPDATE test_sessions SET response_status = $2, response_content_type = $3, response_body = $4 WHERE source_id = $1')
	const setForwarding = prepare(db, 'UPDATE test_sessions SET forward_url = $2, forward_enabled = $3 WHERE source_id = $1')
	const eventOf = prepare<{ id: string }, [string, string]>(db, 'SELECT id FROM events WHERE id = $1 AND source_id = $2')
	const upsertNote = prepare(db, `INSERT INTO event_notes (event_id, source_id, note, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (event_id) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at`)
	const deleteNote = prepare(db, 'DELETE FROM event_notes WHERE event_id = $1')
	const purge = eventPurger(db)
	const exportPage = prepare<ExportRow, [string, string, number]>(db, `SELECT e.*, p.body AS stored_body, n.note FROM events e
		LEFT JOIN event_payloads p ON p.event_id = e.id LEFT JOIN event_notes n ON n.event_id = e.id
		WHERE e.source_id = $1 AND e.id > $2 ORDER BY e.id ASC LIMIT $3`)
	const exportSizes = prepare<{ payload_size: number }, [string, string, number]>(db, 'SELECT payload_size FROM events WHERE source_id = $1 AND id > $2 ORDER BY id ASC LIMIT $3')
	const claimSource = prepare(db, 'UPDATE sources SET org_id = $2, env_id = $3, is_ephemeral = 0, expires_at = NULL, request_limit = NULL, updated_at = $4 WHERE id = $1')
	const claimEvents = prepare(db, 'UPDATE events SET org_id = $2, env_id = $3 WHERE source_id = $1')
	const claimDeliveries = prepare(db, 'UPDATE deliveries SET org_id = $2, env_id = $3 WHERE event_id IN (SELECT id FROM events WHERE source_id = $1)')
	const claimTotals = prepare(db, 'UPDATE event_totals SET env_id = $2 WHERE source_id = $1')
	const endSession = prepare(db, 'DELETE FROM test_sessions WHERE source_id = $1')
	const claim = db.transaction((id: string, orgId: string, envId: string, now: number) => {
		claimSource.run(id, orgId, envId, now)
		claimEvents.run(id, orgId, envId)
		claimDeliveries.run(id, orgId, envId)
		claimTotals.run(id, envId)
		endSession.run(id)
	})

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
			const w = whereOf([['e.source_id = ?', sourceId], ['e.id < ?', q.cursor], ['e.method = ?', q.method]])
			return prepare<SessionEventRow, SqlValue[]>(db, `SELECT ${EVENT_COLUMNS}, n.note FROM events e LEFT JOIN event_notes n ON n.event_id = e.id
				WHERE ${w.sql} ORDER BY e.id DESC LIMIT ${w.bind(q.limit)}`).all(...w.params)
		},
		/** Up to `limit` events with bodies and notes after `afterId`, oldest first. */
		/**
		 * The next events after `afterId` with their bodies: at most `limit`, and no more than
		 * `maxBytes` of bodies (the one crossing it last, so a page is never empty while events
		 * remain). Sizes are read first so the page's bodies are the only ones loaded.
		 */
		async exportPage(sourceId: string, afterId: string, limit: number, maxBytes: number): Promise<ExportRow[]> {
			let count = 0
			let bytes = 0
			for (const { payload_size } of exportSizes.all(sourceId, afterId, limit)) {
				if (count > 0 && bytes >= maxBytes) break
				bytes += payload_size
				count++
			}
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
			purge.immediate(sourceId)
		},
		/** The source becomes a permanent one of the caller's environment, its events with it. */
		async claim(id: string, orgId: string, envId: string, now: number, slug: string): Promise<void> {
			try {
				claim.immediate(id, orgId, envId, now)
			} catch (err) {
				rethrowAsConflict(err, `A source with slug '${slug}' already exists in your environment`, '/slug')
			}
		}
	}
}
