import type { AttemptOutcome, AttemptRow } from '../../src/delivery/repo'
import { newId } from '../../src/lib/ids'
import type { Store } from '../../src/store'
import { storeBackends } from '../support/stores'
import { ENV, exec, ORG } from './events-fixtures'

/** Both engines for the delivery and replay conformance tests (the store's own pool size); seeding SQL as for the events tests. */
export const BACKENDS = storeBackends()
export { ENV, exec, ORG, rows } from './events-fixtures'

export async function seedTenant(store: Store): Promise<void> {
	await exec(store, 'INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, 1)', [ORG, 'Conformance'])
	await exec(store, 'INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ($1, $2, $3, $4, 1)', [ENV, ORG, 'Default', 'default'])
}

export async function destination(store: Store): Promise<string> {
	const id = newId('dst')
	await exec(store, 'INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES ($1, $2, $3, $1, $1, $4, 1, 1)', [id, ORG, ENV, 'http://127.0.0.1:1/'])
	return id
}

/** An event with one queued delivery per destination; returns the event id and delivery ids. */
export async function event(store: Store, destinations: string[], dueAt: number): Promise<{ eventId: string; deliveries: string[] }> {
	const eventId = newId('evt')
	await exec(store, `INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
		VALUES ($1, $2, $3, 'src_x', 'POST', '{}', 0, 'skipped', 'unique', 'pending', $4)`, [eventId, ORG, ENV, dueAt])
	const deliveries: string[] = []
	for (const d of destinations) {
		const id = newId('dlv')
		await exec(store, `INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'conn_x', $5, 'queued', 0, $6, 'initial', $6, $6)`, [id, ORG, ENV, eventId, d, dueAt])
		deliveries.push(id)
	}
	return { eventId, deliveries }
}

/**
 * The outcome of one attempt of a claimed delivery, as the worker hands it to completeBatch: a
 * success when `next` delivers it, a failure otherwise (dead: in the DLQ). `attempt` overrides
 * the attempt row's fields (another tenant, another time).
 */
export function outcome(owner: string, row: { id: string; event_id: string; destination_id: string }, next: AttemptOutcome['next'], extra: Partial<AttemptOutcome> = {}, attempt: Partial<AttemptRow> = {}): AttemptOutcome {
	const delivered = next.state === 'delivered'
	const dead = next.state === 'dead'
	const recorded: AttemptRow = {
		id: newId('da'), org_id: ORG, env_id: ENV, delivery_id: row.id, event_id: row.event_id, connection_id: 'conn_x', destination_id: row.destination_id,
		request_url: 'http://127.0.0.1:1/', request_method: 'POST', request_headers: '{}', request_body_size: 2, response_status: delivered ? 200 : 500,
		response_headers: null, response_body: 'ok', duration_ms: 3, status: delivered ? 'success' : 'failed', error: null, error_type: null,
		created_at: 5000, attempt_number: 1, next_retry_at: null, is_dlq: dead ? 1 : 0, dlq_at: dead ? 5000 : null, trigger_type: 'initial', ...attempt
	}
	return { owner, attempt: recorded, next, circuit: null, issues: [], ...extra }
}
