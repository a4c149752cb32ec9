import type { Database } from 'bun:sqlite'
import { newId } from '../../src/lib/ids'

/**
 * Writes events and delivery attempts as the ingest and delivery paths store
 * them, with chosen times, durations and outcomes: metrics tests need a known
 * sequence, and going through real deliveries would make durations random.
 */
export function insertEvent(db: Database, e: { envId: string; orgId?: string; sourceId: string; at: number; duplicate?: boolean }): string {
	const id = newId('evt', e.at)
	db.query(`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_inline, payload_size, verification_status, dedup_status, status, received_at)
		VALUES (?1, ?2, ?3, ?4, 'POST', '{}', X'7B7D', 2, 'unverified', ?5, 'no_route', ?6)`).run(id, e.orgId ?? 'org_x', e.envId, e.sourceId, e.duplicate ? 'duplicate' : 'unique', e.at)
	// …and its per-source total, as the ingest transaction keeps it.
	db.query(`INSERT INTO event_totals (source_id, env_id, stored) VALUES (?1, ?2, 1)
		ON CONFLICT (source_id) DO UPDATE SET stored = stored + 1`).run(e.sourceId, e.envId)
	return id
}

export interface AttemptSpec { envId: string; destinationId: string; at: number; ok: boolean; durationMs?: number | null; errorType?: string | null; dlq?: boolean; eventId?: string }

export function insertAttempt(db: Database, a: AttemptSpec): string {
	const id = newId('da', a.at)
	db.query(`INSERT INTO delivery_attempts (id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, response_status,
		duration_ms, status, error_type, created_at, attempt_number, is_dlq, trigger_type)
		VALUES (?1, 'org_x', ?2, 'dlv_x', ?3, 'conn_x', ?4, 'http://127.0.0.1/', 'POST', ?5, ?6, ?7, ?8, ?9, 1, ?10, 'initial')`).run(
		id, a.envId, a.eventId ?? 'evt_x', a.destinationId, a.ok ? 200 : 500, a.durationMs === undefined ? 100 : a.durationMs, a.ok ? 'success' : 'failed',
		a.ok ? null : (a.errorType ?? 'http_5xx'), a.at, a.dlq ? 1 : 0
	)
	return id
}

/** A clock the test moves by hand. */
export function manualClock(start: number) {
	let now = start
	return { now: () => now, set: (ms: number) => { now = ms }, advance: (ms: number) => { now += ms } }
}
