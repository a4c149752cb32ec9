import { newId } from '../../src/lib/ids'
import type { RawSql } from '../support/raw-sql'

const BODY = new Uint8Array([0x7b, 0x7d]) // '{}'
/** Rows per INSERT when seeding many (well under either engine's parameter cap). */
const CHUNK = 500

export interface EventSpec { envId: string; orgId?: string; sourceId: string; at: number; duplicate?: boolean }

/**
 * Writes events and delivery attempts as the ingest and delivery paths store
 * them, with chosen times, durations and outcomes: metrics tests need a known
 * sequence, and going through real deliveries would make durations random.
 */
export async function insertEvent(sql: RawSql, e: EventSpec): Promise<string> {
	return (await insertEvents(sql, [e]))[0] as string
}

/** Many events in multi-row statements (a backlog on PostgreSQL would take seconds row by row). */
export async function insertEvents(sql: RawSql, specs: EventSpec[]): Promise<string[]> {
	const ids = specs.map((e) => newId('evt', e.at))
	for (let i = 0; i < specs.length; i += CHUNK) {
		const chunk = specs.slice(i, i + CHUNK)
		const params = chunk.flatMap((e, j) => [ids[i + j], e.orgId ?? 'org_x', e.envId, e.sourceId, BODY, e.duplicate ? 'duplicate' : 'unique', e.at])
		const values = chunk.map((_, j) => `($${7 * j + 1}, $${7 * j + 2}, $${7 * j + 3}, $${7 * j + 4}, 'POST', '{}', $${7 * j + 5}, 2, 'unverified', $${7 * j + 6}, 'no_route', $${7 * j + 7})`)
		await sql.run(`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_inline, payload_size, verification_status, dedup_status, status, received_at)
			VALUES ${values.join(', ')}`, params)
	}
	// …and the per-source totals, as the ingest transaction keeps them.
	const totals = new Map<string, { env: string; n: number }>()
	for (const e of specs) totals.set(e.sourceId, { env: e.envId, n: (totals.get(e.sourceId)?.n ?? 0) + 1 })
	for (const [source, t] of totals) {
		await sql.run(`INSERT INTO event_totals (source_id, env_id, stored) VALUES ($1, $2, $3)
			ON CONFLICT (source_id) DO UPDATE SET stored = event_totals.stored + excluded.stored`, [source, t.env, t.n])
	}
	return ids
}

export interface AttemptSpec { envId: string; destinationId: string; at: number; ok: boolean; durationMs?: number | null; errorType?: string | null; dlq?: boolean; eventId?: string }

export async function insertAttempt(sql: RawSql, a: AttemptSpec): Promise<string> {
	const id = newId('da', a.at)
	await sql.run(`INSERT INTO delivery_attempts (id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, response_status,
		duration_ms, status, error_type, created_at, attempt_number, is_dlq, trigger_type)
		VALUES ($1, 'org_x', $2, 'dlv_x', $3, 'conn_x', $4, 'http://127.0.0.1/', 'POST', $5, $6, $7, $8, $9, 1, $10, 'initial')`, [
		id, a.envId, a.eventId ?? 'evt_x', a.destinationId, a.ok ? 200 : 500, a.durationMs === undefined ? 100 : a.durationMs, a.ok ? 'success' : 'failed',
		a.ok ? null : (a.errorType ?? 'http_5xx'), a.at, a.dlq ? 1 : 0
	])
	return id
}

/** A clock the test moves by hand. */
export function manualClock(start: number) {
	let now = start
	return { now: () => now, set: (ms: number) => { now = ms }, advance: (ms: number) => { now += ms } }
}
