import type { EventRow, PendingEvent } from '../../src/events/repo'
import { newId } from '../../src/lib/ids'
import type { Store } from '../../src/store'
import { rawSql } from '../support/raw-sql'
import { storeBackends } from '../support/stores'

/**
 * Shared setup of the events/attempts/issues/live conformance files: each runs its
 * `describe` once per engine (PostgreSQL only when HOOKSTREAM_TEST_DATABASE_URL is set).
 * Rows the core repos own (tenancy, sources, destinations, connections) are seeded with
 * raw SQL, the same text on both engines.
 */

export type { Backend, Opened } from '../support/stores'

export const BACKENDS = storeBackends({ poolSize: 4 })

/** Runs a statement on whichever engine the store is on (seeding and checks only). */
export async function exec(store: Store, text: string, params: unknown[] = []): Promise<void> {
	await rawSql(store).run(text, params)
}

export const rows = <T>(store: Store, text: string, params: unknown[] = []): Promise<T[]> => rawSql(store).all<T>(text, params)

export const ORG = 'org_conformance'
export const ENV = 'env_conformance'
export const T0 = Date.parse('2026-03-01T12:00:00.000Z')

/** An organization, an environment, `sources` sources, one destination and a connection per source (`conn_<source>`). */
export async function seed(store: Store, sources = ['src_a', 'src_b']): Promise<void> {
	await exec(store, 'INSERT INTO organizations (id, name, created_at) VALUES ($1, $1, $2)', [ORG, T0])
	await exec(store, 'INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ($1, $2, $1, $1, $3)', [ENV, ORG, T0])
	await exec(store, 'INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES ($1, $2, $3, $1, $1, $4, $5, $5)', [
		'dst_a', ORG, ENV, 'http://127.0.0.1:9/', T0
	])
	for (const s of sources) {
		await exec(store, 'INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $1, $4, $5, $5)', [s, ORG, ENV, `Source ${s}`, T0])
		await exec(store, 'INSERT INTO connections (id, org_id, env_id, source_id, destination_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $1, $6, $6)', [
			`conn_${s}`, ORG, ENV, s, 'dst_a', T0
		])
	}
}

const encoder = new TextEncoder()
/** Bodies up to this size are stored inline (the ingest service's threshold). */
export const INLINE_LIMIT = 10 * 1024

/** A pending event as the ingest service builds it; `routes` names connections (`conn_x` → `dst_a`). */
export function pending(o: {
	source?: string
	at: number
	body?: string | Uint8Array
	dedup?: { key: string; windowMs: number }
	routes?: (string | { connection: string; destination: string })[]
	status?: string
}): PendingEvent {
	const body = typeof o.body === 'string' || o.body === undefined ? encoder.encode(o.body ?? '{}') : o.body
	const inline = body.byteLength <= INLINE_LIMIT
	const row: EventRow = {
		// As ingest leaves it: the repo mints the id (at `at`) as it writes the row.
		id: '', org_id: ORG, env_id: ENV, source_id: o.source ?? 'src_a', method: 'POST', headers: '{"content-type":"application/json"}',
		query_params: null, content_type: 'application/json', source_ip: '127.0.0.1',
		payload_inline: inline ? body : null, payload_ref: inline ? null : 'event_payloads:', payload_size: body.byteLength,
		verification_status: 'unverified', verification_error: null, dedup_status: 'unique', dedup_hash: o.dedup?.key ?? null,
		status: o.status ?? (o.routes && o.routes.length > 0 ? 'pending' : 'no_route'), received_at: o.at, topic: null
	}
	const routes = (o.routes ?? []).map((r) => {
		const { connection, destination } = typeof r === 'string' ? { connection: r, destination: 'dst_a' } : r
		return { deliveryId: newId('dlv', o.at), connectionId: connection, destinationId: destination }
	})
	return { row, body, dedup: o.dedup ? { keyHash: o.dedup.key, windowMs: o.dedup.windowMs } : null, routes }
}

/** Every byte value, several times: a body no text decoding can pass through unchanged. */
export function binaryBody(size: number): Uint8Array {
	const out = new Uint8Array(size)
	for (let i = 0; i < size; i++) out[i] = (i * 7 + 3) % 256
	return out
}

/** Bytes as a plain array, so a Buffer (PostgreSQL's bytea) and a Uint8Array compare equal. */
export const bytes = (b: Uint8Array | null | undefined) => (b ? Array.from(b) : null)
