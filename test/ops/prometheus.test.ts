import { afterEach, describe, expect, test } from 'bun:test'
import { ROLLUP_LAG_MS } from '../../src/metrics/rollup'
import { makeTestApp, type TestApp } from '../helpers'
import { parsePrometheus, valueOf } from './prom-text'
import { rawSql } from '../support/raw-sql'
import { insertAttempt, manualClock } from './rows'

// biome-ignore lint/suspicious/noExplicitAny: response bodies
type Json = any
let t: TestApp | null = null
afterEach(async () => {
	await t?.close()
	t = null
})

describe('GET /metrics', () => {
	test('parses, names every metric hookstream_*, and counts exactly what happened', async () => {
		const clock = manualClock(Date.parse('2026-03-02T10:00:00.000Z'))
		t = await makeTestApp({}, clock)
		const s: Json = await (await t.call('POST', '/v1/sources', { body: { name: 'A', slug: 'a', verification_type: 'hmac_sha256', verification_secret: 'whsec_abcdefgh' } })).json()
		const open: Json = await (await t.call('POST', '/v1/sources', { body: { name: 'B', slug: 'b' } })).json()
		const d: Json = await (await t.call('POST', '/v1/destinations', { body: { name: 'D', slug: 'd', url: 'https://example.com/h' } })).json()
		const env = s.source.env_id
		const dst = d.destination.id
		// Ingest: 2 accepted through B, 1 bad signature on A, 1 unknown source.
		for (const n of [1, 2]) expect((await t.call('POST', `/v1/ingest/${open.source.id}`, { body: { n }, key: null })).status).toBe(200)
		expect((await t.call('POST', `/v1/ingest/${s.source.id}`, { body: { n: 3 }, key: null })).status).toBe(401)
		expect((await t.call('POST', '/v1/ingest/src_0123456789abcdef0123456789abcdef', { body: {}, key: null })).status).toBe(404)
		await t.ctx.drainWrites()
		const db = rawSql(t.ctx.store)
		for (let i = 1; i <= 10; i++) await insertAttempt(db, { envId: env, destinationId: dst, at: clock.now() - 60_000 + i, ok: i !== 4, durationMs: i * 30 })
		clock.advance(ROLLUP_LAG_MS + 1000)
		await t.ctx.ops.rollup.run()

		const res = await t.call('GET', '/metrics', { key: null })
		expect(res.status).toBe(200)
		expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
		const m = parsePrometheus(await res.text())
		for (const name of m.keys()) expect(name.startsWith('hookstream_')).toBe(true)
		expect(m.get('hookstream_delivery_duration_seconds')?.type).toBe('histogram')
		expect(valueOf(m, 'hookstream_events_received_total', { source_id: open.source.id, outcome: 'accepted' })).toBe(2)
		expect(valueOf(m, 'hookstream_events_received_total', { source_id: s.source.id, outcome: 'unauthorized' })).toBe(1)
		expect(valueOf(m, 'hookstream_events_received_total', { source_id: '', outcome: 'unknown_source' })).toBe(1)
		expect(valueOf(m, 'hookstream_deliveries_total', { destination_id: dst, outcome: 'success' })).toBe(9)
		expect(valueOf(m, 'hookstream_deliveries_total', { destination_id: dst, outcome: 'failure' })).toBe(1)
		expect(valueOf(m, 'hookstream_delivery_errors_total', { destination_id: dst, error_type: 'http_5xx' })).toBe(1)
		// Durations 30…300 ms: ≤ 0.1 s holds 30, 60, 90; ≤ 0.3 s all ten.
		const bucket = (le: string) => valueOf(m, 'hookstream_delivery_duration_seconds', { destination_id: dst, le }, 'hookstream_delivery_duration_seconds_bucket')
		expect([bucket('0.05'), bucket('0.1'), bucket('0.2'), bucket('0.3'), bucket('+Inf')]).toEqual([1, 3, 6, 10, 10])
		expect(valueOf(m, 'hookstream_queue_depth', { state: 'queued' })).toBe(0)
		expect(valueOf(m, 'hookstream_queue_oldest_due_age_seconds', {})).toBe(0)
		expect(valueOf(m, 'hookstream_circuit_state', { destination_id: dst, state: 'closed' })).toBe(1)
		expect(valueOf(m, 'hookstream_circuit_state', { destination_id: dst, state: 'open' })).toBe(0)
		expect(valueOf(m, 'hookstream_process_resident_memory_bytes', {})).toBeGreaterThan(0)

		// Two waiting deliveries (of a destination no worker lane serves, so they stay put): one due 30 s ago, one later.
		const outbox = (id: string, due: number) => db.run(`INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, due_at, created_at, updated_at)
			VALUES ($1, 'org_x', $2, 'evt_x', 'conn_x', 'dst_ghost', 'queued', $3, $3, $3)`, [id, env, due])
		await outbox('dlv_1', clock.now() - 30_000)
		await outbox('dlv_2', clock.now() + 60_000)
		// A second rollup pass adds nothing: every row is counted once.
		await t.ctx.ops.rollup.run()
		const again = parsePrometheus(await (await t.call('GET', '/metrics', { key: null })).text())
		expect(valueOf(again, 'hookstream_deliveries_total', { destination_id: dst, outcome: 'success' })).toBe(9)
		expect(valueOf(again, 'hookstream_queue_depth', { state: 'queued' })).toBe(2)
		expect(valueOf(again, 'hookstream_queue_oldest_due_age_seconds', {})).toBe(30)
	})

	test('--metrics-token guards the endpoint', async () => {
		t = await makeTestApp({ 'metrics-token': 'scrape-secret-1' })
		for (const auth of [undefined, 'Bearer wrong', 'Basic c2NyYXBlLXNlY3JldC0x', 'Bearer scrape-secret-12']) {
			const res = await t.call('GET', '/metrics', { key: null, headers: auth ? { authorization: auth } : {} })
			expect(res.status).toBe(401)
			expect(await res.json()).toMatchObject({ status: 401, request_id: expect.stringMatching(/^req_/) })
		}
		const ok = await t.call('GET', '/metrics', { key: null, headers: { authorization: 'Bearer scrape-secret-1' } })
		expect(ok.status).toBe(200)
		expect(parsePrometheus(await ok.text()).has('hookstream_queue_depth')).toBe(true)
	})

	test('the parser rejects what Prometheus would', () => {
		expect(() => parsePrometheus('hookstream_x 1\n')).toThrow()
		expect(() => parsePrometheus('# TYPE hookstream_x counter\nhookstream_x{a="b} 1\n')).toThrow()
		expect(() => parsePrometheus('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n')).toThrow()
		expect(parsePrometheus('# TYPE hookstream_x counter\nhookstream_x{a="q\\"\\n"} 1\n').get('hookstream_x')?.samples[0]?.labels.a).toBe('q"\n')
	})
})
