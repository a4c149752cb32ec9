import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHmac } from 'node:crypto'
import { createSourceId, makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp({ 'max-body-bytes': '65536' })
})
afterAll(() => t.close())

type Json = Record<string, unknown>
const source = (body: Json) => createSourceId(t, body)
async function ingest(id: string, opts: { method?: string; body?: string | Uint8Array; headers?: Record<string, string>; peerIp?: string; query?: string } = {}) {
	const headers = { 'content-type': 'application/json', ...opts.headers }
	return t.call(opts.method ?? 'POST', `/v1/ingest/${id}${opts.query ?? ''}`, { key: null, body: opts.body ?? '{"hello":"world"}', headers, ...(opts.peerIp ? { peerIp: opts.peerIp } : {}) })
}
async function total(id: string): Promise<number> {
	const res = await t.call('GET', `/v1/events?source_id=${id}`)
	return ((await res.json()) as { pagination: { total: number } }).pagination.total
}
async function event(id: string): Promise<Json> {
	return ((await (await t.call('GET', `/v1/events/${id}`)).json()) as { event: Json }).event
}
async function expectError(res: Response, status: number, message?: string) {
	expect(res.status).toBe(status)
	const body = (await res.json()) as Json
	expect(body).toMatchObject({ status })
	expect(String(body.request_id)).toMatch(/^req_[0-9a-f]{12}$/)
	if (message) expect(body.error).toBe(message)
	return body
}

describe('ingest: source step', () => {
	it('200 with event_id and source_id, stored with everything the sender sent', async () => {
		const id = await source({ slug: 'plain' })
		const res = await ingest(id, { query: '?a=1&a=2&b=x', headers: { 'x-custom': 'yes' }, peerIp: '198.51.100.4' })
		expect(res.status).toBe(200)
		const body = (await res.json()) as { event_id: string; source_id: string }
		expect(body.event_id).toMatch(/^evt_[0-9a-f]{32}$/)
		expect(body.source_id).toBe(id)
		const e = await event(body.event_id)
		expect(e).toMatchObject({
			method: 'POST', content_type: 'application/json', source_ip: '198.51.100.4', payload: { hello: 'world' },
			query_params: { a: ['1', '2'], b: 'x' }, verification_status: 'unverified', dedup_status: 'unique',
			status: 'no_route', payload_size: 17, body: '{"hello":"world"}', body_encoding: 'utf8', source_slug: 'plain', source_name: 'plain'
		})
		expect((e.headers as Json)['x-custom']).toBe('yes')
	})

	it('accepts GET, PUT, PATCH and DELETE; 405 for others', async () => {
		const id = await source({ slug: 'methods' })
		for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
			const res = await ingest(id, { method, body: method === 'GET' ? '' : '{}' })
			expect({ method, status: res.status }).toEqual({ method, status: 200 })
		}
		await expectError(await ingest(id, { method: 'OPTIONS', body: '' }), 405)
		expect(await total(id)).toBe(4)
	})

	it('404 for unknown and malformed source ids', async () => {
		await expectError(await ingest('src_00000000000000000000000000000000'), 404, 'Source not found')
		await expectError(await ingest('whatever'), 404, 'Source not found')
	})

	it('403 for a disabled source, storing nothing', async () => {
		const id = await source({ slug: 'disabled' })
		await t.call('PATCH', `/v1/sources/${id}`, { body: { status: 'disabled' } })
		await expectError(await ingest(id), 403, 'Source is disabled')
		expect(await total(id)).toBe(0)
	})

	it('a paused source stores the event but routes it nowhere (no_route, no delivery queued)', async () => {
		// Two identical pipelines; only the second source is paused. The first proves
		// the connection routes, so the second's no_route comes from the pause alone.
		const pipelines = []
		for (const slug of ['active-routed', 'paused-routed']) {
			const id = await source({ slug })
			const dst = await t.call('POST', '/v1/destinations', { body: { name: slug, slug, url: 'https://example.com/hook' } })
			expect(dst.status).toBe(201)
			const destinationId = ((await dst.json()) as { destination: { id: string } }).destination.id
			const conn = await t.call('POST', '/v1/connections', { body: { name: slug, source_id: id, destination_id: destinationId } })
			expect(conn.status).toBe(201)
			pipelines.push({ id, connectionId: ((await conn.json()) as { connection: { id: string } }).connection.id })
		}
		const [active, paused] = pipelines as [{ id: string; connectionId: string }, { id: string; connectionId: string }]
		expect((await t.call('PATCH', `/v1/sources/${paused.id}`, { body: { status: 'paused' } })).status).toBe(200)
		const sent = async (id: string) => {
			const res = await ingest(id)
			expect(res.status).toBe(200)
			return event(((await res.json()) as { event_id: string }).event_id)
		}
		expect((await sent(active.id)).status).toBe('pending')
		expect((await sent(paused.id)).status).toBe('no_route')
		expect(await total(paused.id)).toBe(1)
		// A connection's event_count moves in the same transaction that queues its delivery.
		await t.ctx.drainWrites()
		const queued = async (p: { connectionId: string }) =>
			((await (await t.call('GET', `/v1/connections/${p.connectionId}`)).json()) as { connection: { event_count: number } }).connection.event_count
		expect(await queued(active)).toBe(1)
		expect(await queued(paused)).toBe(0)
	})

	it('bumps event_count and last_event_at', async () => {
		const id = await source({ slug: 'counted' })
		for (let i = 0; i < 3; i++) await ingest(id)
		const { source: s } = (await (await t.call('GET', `/v1/sources/${id}`)).json()) as { source: Json }
		expect(s.event_count).toBe(3)
		expect(String(s.last_event_at)).toMatch(/Z$/)
	})
})

describe('ingest: body step', () => {
	it('413 above the cap, declared or streamed, storing nothing', async () => {
		const id = await source({ slug: 'big' })
		await expectError(await ingest(id, { body: 'x'.repeat(65537) }), 413)
		const stream = new ReadableStream({
			pull(c) {
				c.enqueue(new Uint8Array(8192))
			}
		})
		const res = await t.call('POST', `/v1/ingest/${id}`, { key: null, headers: {} as Record<string, string> })
		expect(res.status).toBe(200) // empty body is fine
		const streamed = await (await import('../../src/http/ingest')).handleIngest(t.ctx, new Request(`http://localhost/v1/ingest/${id}`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit), '127.0.0.1')
		await expectError(streamed, 413)
		expect(await total(id)).toBe(1)
	})

	it('keeps binary and large bodies byte for byte', async () => {
		const id = await source({ slug: 'bytes' })
		const binary = new Uint8Array(256).map((_, i) => i)
		const res = await ingest(id, { body: binary, headers: { 'content-type': 'application/octet-stream' } })
		const eventId = ((await res.json()) as { event_id: string }).event_id
		const e = await event(eventId)
		expect(e).toMatchObject({ body_encoding: 'base64', payload: null, payload_inline: null, payload_size: 256 })
		expect(new Uint8Array(Buffer.from(String(e.body), 'base64'))).toEqual(binary)
		const raw = await t.call('GET', `/v1/events/${eventId}/raw`)
		expect(new Uint8Array(await raw.arrayBuffer())).toEqual(binary)
		expect(raw.headers.get('content-type')).toBe('application/octet-stream')

		const large = JSON.stringify({ items: 'é'.repeat(20000) })
		const big = await ingest(id, { body: large })
		const be = await event(((await big.json()) as { event_id: string }).event_id)
		expect(be.payload_inline).toBeNull()
		expect(String(be.payload_ref)).toStartWith('event_payloads:')
		expect(be.body).toBe(large)
		expect(be.payload_size).toBe(Buffer.byteLength(large))
	})
})

describe('ingest: IP filter', () => {
	it('deny list first, then allow list, with the contract messages', async () => {
		const id = await source({ slug: 'ips', ip_allowlist: ['10.0.0.0/8', '2001:db8::/32'], ip_denylist: ['10.9.9.9'] })
		expect((await ingest(id, { peerIp: '10.1.2.3' })).status).toBe(200)
		expect((await ingest(id, { peerIp: '2001:db8::5' })).status).toBe(200)
		expect((await ingest(id, { peerIp: '::ffff:10.1.2.3' })).status).toBe(200)
		await expectError(await ingest(id, { peerIp: '10.9.9.9' }), 403, 'IP is in deny list')
		await expectError(await ingest(id, { peerIp: '192.0.2.1' }), 403, 'IP is not in allow list')
		expect(await total(id)).toBe(3)
	})

	it('ignores X-Forwarded-For from untrusted peers', async () => {
		const id = await source({ slug: 'xff', ip_allowlist: ['203.0.113.0/24'] })
		await expectError(await ingest(id, { peerIp: '192.0.2.1', headers: { 'x-forwarded-for': '203.0.113.5' } }), 403, 'IP is not in allow list')
	})

	it('trusts X-Forwarded-For from configured proxies', async () => {
		const proxied = await makeTestApp({ 'trusted-proxies': '127.0.0.1,10.0.0.0/8' })
		const res = await proxied.call('POST', '/v1/sources', { body: { name: 'p', slug: 'p', ip_denylist: ['198.51.100.9'] } })
		const id = ((await res.json()) as { source: { id: string } }).source.id
		const send = (xff: string) => proxied.call('POST', `/v1/ingest/${id}`, { key: null, body: '{}', headers: { 'x-forwarded-for': xff } })
		expect((await send('198.51.100.9')).status).toBe(403)
		// The rightmost untrusted hop is the client; a spoofed left entry is ignored.
		expect((await send('198.51.100.9, 192.0.2.7, 10.0.0.2')).status).toBe(200)
		const ok = await send('192.0.2.7')
		const e = ((await (await proxied.call('GET', `/v1/events/${((await ok.json()) as { event_id: string }).event_id}`)).json()) as { event: Json }).event
		expect(e.source_ip).toBe('192.0.2.7')
		await proxied.close()
	})
})

describe('ingest: signature step', () => {
	it('401 for a bad or missing signature, storing nothing; accepts any rotated secret', async () => {
		const id = await source({ slug: 'signed', verification_type: 'hmac_sha256', verification_header: 'X-Sig', verification_secret: ['old-secret', 'new-secret'] })
		const body = '{"n":1}'
		const sign = (secret: string) => createHmac('sha256', secret).update(body).digest('hex')
		expect((await ingest(id, { body, headers: { 'x-sig': sign('old-secret') } })).status).toBe(200)
		expect((await ingest(id, { body, headers: { 'x-sig': sign('new-secret') } })).status).toBe(200)
		const bad = await expectError(await ingest(id, { body, headers: { 'x-sig': sign('other') } }), 401, 'Invalid signature')
		expect(bad.details).toBeUndefined()
		await expectError(await ingest(id, { body: '{"n":2}', headers: { 'x-sig': sign('new-secret') } }), 401)
		await expectError(await ingest(id, { body }), 401)
		expect(await total(id)).toBe(2)
	})

	it('picks up a new secret at once after PATCH (cache invalidation)', async () => {
		const id = await source({ slug: 'rotate', verification_type: 'hmac_sha256', verification_header: 'X-Sig', verification_secret: 'first' })
		const body = '{}'
		const sig = createHmac('sha256', 'second').update(body).digest('hex')
		expect((await ingest(id, { body, headers: { 'x-sig': sig } })).status).toBe(401)
		await t.call('PATCH', `/v1/sources/${id}`, { body: { verification_secret: 'second' } })
		expect((await ingest(id, { body, headers: { 'x-sig': sig } })).status).toBe(200)
	})
})

describe('ingest: JSON schema step', () => {
	const schema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } }

	it('reject: 422 with validation_errors, nothing stored', async () => {
		const id = await source({ slug: 'schema-reject', schema_validation_enabled: true, json_schema: schema })
		const body = await expectError(await ingest(id, { body: '{"id":5}' }), 422)
		expect(body.validation_errors).toEqual([{ path: '/id', message: 'must be string' }])
		const notJson = await expectError(await ingest(id, { body: 'nope' }), 422)
		expect(notJson.validation_errors).toEqual([{ path: '/', message: 'body is not valid JSON' }])
		expect((await ingest(id, { body: '{"id":"a"}' })).status).toBe(200)
		expect(await total(id)).toBe(1)
	})

	it('warn: stored with verification_status schema_invalid', async () => {
		const id = await source({ slug: 'schema-warn', schema_validation_enabled: true, json_schema: schema, schema_action: 'warn' })
		const res = await ingest(id, { body: '{}' })
		expect(res.status).toBe(200)
		expect((await event(((await res.json()) as { event_id: string }).event_id)).verification_status).toBe('schema_invalid')
	})

	it('supports draft 2020-12 schemas', async () => {
		const id = await source({ slug: 'schema-2020', schema_validation_enabled: true, json_schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'number' }] } })
		expect((await ingest(id, { body: '[1]' })).status).toBe(200)
		expect((await ingest(id, { body: '["x"]' })).status).toBe(422)
	})
})

describe('ingest: dedup step', () => {
	async function statuses(id: string, sends: { body: string; headers?: Record<string, string> }[]) {
		const out: string[] = []
		for (const s of sends) {
			const res = await ingest(id, s)
			expect(res.status).toBe(200)
			out.push(String((await event(((await res.json()) as { event_id: string }).event_id)).dedup_status))
		}
		return out
	}

	it('payload_hash', async () => {
		const id = await source({ slug: 'dd-hash', dedup_enabled: true, dedup_strategy: 'payload_hash' })
		expect(await statuses(id, [{ body: '{"a":1}' }, { body: '{"a":1}' }, { body: '{"a":2}' }])).toEqual(['unique', 'duplicate', 'unique'])
	})

	it('header_field', async () => {
		const id = await source({ slug: 'dd-header', dedup_strategy: 'header_field', dedup_field: 'X-Delivery' })
		const h = (v: string) => ({ body: `{"r":${Math.random()}}`, headers: { 'x-delivery': v } })
		expect(await statuses(id, [h('a'), h('a'), h('b'), { body: '{}' }, { body: '{}' }])).toEqual(['unique', 'duplicate', 'unique', 'unique', 'unique'])
	})

	it('body_field with a $. path', async () => {
		const id = await source({ slug: 'dd-body', dedup_strategy: 'body_field', dedup_field: '$.data.id' })
		const b = (v: string) => ({ body: JSON.stringify({ data: { id: v }, at: Math.random() }) })
		expect(await statuses(id, [b('x'), b('x'), b('y')])).toEqual(['unique', 'duplicate', 'unique'])
	})

	it('concurrent twins: exactly one is unique', async () => {
		const id = await source({ slug: 'dd-race', dedup_strategy: 'payload_hash' })
		const results = await Promise.all(Array.from({ length: 20 }, () => ingest(id, { body: '{"same":true}' })))
		const ids = await Promise.all(results.map(async (r) => ((await r.json()) as { event_id: string }).event_id))
		const states = await Promise.all(ids.map(async (e) => (await event(e)).dedup_status))
		expect(states.filter((s) => s === 'unique')).toHaveLength(1)
		expect(states.filter((s) => s === 'duplicate')).toHaveLength(19)
	})

	it('keys expire with the window', async () => {
		let now = Date.parse('2026-01-01T00:00:00Z')
		const clocked = await makeTestApp({}, { now: () => now })
		const created = await clocked.call('POST', '/v1/sources', { body: { name: 'w', slug: 'w', dedup_strategy: 'payload_hash', dedup_window_seconds: 60 } })
		const id = ((await created.json()) as { source: { id: string } }).source.id
		const send = async () => {
			const res = await clocked.call('POST', `/v1/ingest/${id}`, { key: null, body: '{"k":1}', headers: { 'content-type': 'application/json' } })
			const eid = ((await res.json()) as { event_id: string }).event_id
			return ((await (await clocked.call('GET', `/v1/events/${eid}`)).json()) as { event: Json }).event.dedup_status
		}
		expect(await send()).toBe('unique')
		now += 59_000
		expect(await send()).toBe('duplicate')
		now += 61_000
		expect(await send()).toBe('unique')
		await clocked.close()
	})
})

describe('ingest: regressions', () => {
	it('404, not 500, for a malformed percent-encoded id', async () => {
		await expectError(await ingest('%E0%A4%A'), 404, 'Source not found')
	})

	it('redacts basic-auth credentials read from a custom header', async () => {
		const id = await source({ slug: 'pm-custom', template: 'postmark', verification_secret: 'user:pa55word', verification_header: 'X-Webhook-Auth' })
		const res = await ingest(id, { headers: { 'x-webhook-auth': `Basic ${btoa('user:pa55word')}` } })
		expect(res.status).toBe(200)
		const e = await event(((await res.json()) as { event_id: string }).event_id)
		expect((e.headers as Json)['x-webhook-auth']).toBe('[redacted]')
		expect(JSON.stringify(e)).not.toContain(btoa('user:pa55word'))
	})
})
