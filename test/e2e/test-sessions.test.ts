import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp } from '../helpers'
import { type Harness, startHarness } from './harness'
import { LiveClient, handshakeStatus } from './live-client'
import { Receiver } from './receiver'

let h: Harness

interface Created {
	session_id: string
	source_id: string
	url: string
	expires_at: string
	request_limit: number
	request_count: number
}

const create = async (hh: Harness, prefix = '/v1/test/sessions') => {
	const res = await fetch(`${hh.url}${prefix}`, { method: 'POST' })
	return { status: res.status, headers: res.headers, body: (await res.json()) as Created }
}
const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, any> })
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
	fetch(`${h.url}${path}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) }).then(json)

beforeAll(async () => {
	h = await startHarness({ 'test-session-request-limit': '3', 'test-sessions-per-ip-hour': '100' })
})
afterAll(() => h.close())

describe('test sessions', () => {
	it('creates without auth, takes requests at the printed URL, and lists them', async () => {
		const { status, body } = await create(h)
		expect(status).toBe(201)
		expect(body.session_id).toMatch(/^[0-9a-f]{32}$/)
		expect(body).toMatchObject({ source_id: `src_${body.session_id}`, url: `${h.url}/v1/ingest/${body.session_id}`, request_limit: 3, request_count: 0 })
		expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(14 * 86400_000 - 60_000)
		const sent = await fetch(body.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test': '1' }, body: '{"hello":1}' })
		expect(sent.status).toBe(200)
		await fetch(body.url, { method: 'PUT', body: 'two' })
		const page = await call('GET', `/v1/test/sessions/${body.session_id}?limit=1`)
		expect(page.status).toBe(200)
		expect(page.body.session).toMatchObject({ id: body.session_id, request_count: 2, request_limit: 3 })
		expect(page.body.events).toHaveLength(1)
		expect(page.body.events[0]).toMatchObject({ method: 'PUT', source_id: body.source_id })
		expect(page.body.pagination).toMatchObject({ limit: 1, has_more: true })
		const next = await call('GET', `/v1/test/sessions/${body.session_id}?limit=1&cursor=${page.body.pagination.next_cursor}`)
		expect(next.body.events[0].method).toBe('POST')
		expect(JSON.parse(next.body.events[0].headers)['x-test']).toBe('1')
		expect(next.body.pagination.has_more).toBe(false)
	})

	it('answers 429 once the request limit is used up', async () => {
		const { body } = await create(h)
		for (let i = 0; i < 3; i++) expect((await fetch(body.url, { method: 'POST', body: `${i}` })).status).toBe(200)
		const over = await json(await fetch(body.url, { method: 'POST', body: 'x' }))
		expect(over.status).toBe(429)
		expect(over.body).toMatchObject({ status: 429, error: expect.any(String), request_id: expect.any(String) })
	})

	it('returns the custom response to senders, and validates it', async () => {
		const { body } = await create(h)
		const set = await call('PATCH', `/v1/test/sessions/${body.session_id}/response`, { status_code: 202, content_type: 'text/plain', body: 'thanks!' })
		expect(set.status).toBe(200)
		expect(set.body.session.response).toEqual({ status_code: 202, content_type: 'text/plain', body: 'thanks!' })
		const sent = await fetch(body.url, { method: 'POST', body: '{}' })
		expect(sent.status).toBe(202)
		expect(sent.headers.get('content-type')).toBe('text/plain')
		expect(sent.headers.get('content-security-policy')).toContain('sandbox')
		expect(await sent.text()).toBe('thanks!')
		const bad = await call('PATCH', `/v1/test/sessions/${body.session_id}/response`, { status_code: 99 })
		expect(bad.status).toBe(400)
		expect(bad.body).toMatchObject({ status: 400, request_id: expect.any(String) })
	})

	it('relays each event byte for byte to the forwarding URL', async () => {
		const rx = new Receiver()
		const { body } = await create(h)
		expect((await call('PATCH', `/v1/test/sessions/${body.session_id}/forwarding`, { enabled: true })).status).toBe(400)
		const set = await call('PATCH', `/v1/test/sessions/${body.session_id}/forwarding`, { url: `${rx.url}/relay`, enabled: true })
		expect(set.body.session.forwarding).toEqual({ url: `${rx.url}/relay`, enabled: true })
		await fetch(body.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sig': 'abc' }, body: '{"a": 1}' })
		const [got] = await rx.waitFor(1)
		expect(got).toMatchObject({ method: 'POST', path: '/relay', body: '{"a": 1}', headers: { 'x-sig': 'abc', 'x-hookstream-event-id': expect.stringMatching(/^evt_/) } })
		await call('PATCH', `/v1/test/sessions/${body.session_id}/forwarding`, { enabled: false })
		await fetch(body.url, { method: 'POST', body: 'not relayed' })
		await Bun.sleep(100)
		expect(rx.received).toHaveLength(1)
		await rx.stop()
	})

	it('exports NDJSON and CSV, keeps notes, and deletes', async () => {
		const { body } = await create(h)
		const first = ((await (await fetch(body.url, { method: 'POST', body: '{"n":1}' })).json()) as { event_id: string }).event_id
		await fetch(body.url, { method: 'POST', body: new Uint8Array([0xff, 0x00]) })
		expect((await call('PATCH', `/v1/test/sessions/${body.session_id}/events/${first}`, { note: 'looks right, "quoted"' })).body).toEqual({ event_id: first, note: 'looks right, "quoted"' })
		expect((await call('PATCH', `/v1/test/sessions/${body.session_id}/events/evt_00000000000000000000000000000000`, { note: 'x' })).status).toBe(404)
		const listed = await call('GET', `/v1/test/sessions/${body.session_id}`)
		expect(listed.body.events.find((e: { id: string }) => e.id === first).note).toBe('looks right, "quoted"')

		const nd = await fetch(`${h.url}/v1/test/sessions/${body.session_id}/export?format=ndjson`)
		expect(nd.headers.get('content-type')).toBe('application/x-ndjson')
		const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l))
		expect(lines).toHaveLength(2)
		expect(lines[0]).toMatchObject({ id: first, body: '{"n":1}', body_encoding: 'utf8', note: 'looks right, "quoted"' })
		expect(lines[1]).toMatchObject({ body: Buffer.from([0xff, 0]).toString('base64'), body_encoding: 'base64' })
		const csv = await (await fetch(`${h.url}/v1/test/sessions/${body.session_id}/export?format=csv`)).text()
		expect(csv.split('\r\n')[0]).toBe('id,received_at,method,content_type,source_ip,payload_size,headers,query_params,body,body_encoding,note')
		expect(csv).toContain('"looks right, ""quoted"""')
		expect((await fetch(`${h.url}/v1/test/sessions/${body.session_id}/export?format=xml`)).status).toBe(400)

		expect((await call('DELETE', `/v1/test/sessions/${body.session_id}`)).body).toEqual({ success: true })
		expect((await call('GET', `/v1/test/sessions/${body.session_id}`)).status).toBe(404)
		expect((await fetch(body.url, { method: 'POST', body: '{}' })).status).toBe(404)
	})

	it('exports large events a bounded page at a time (about 1 MiB of bodies), still every event, bytes intact', async () => {
		const { body } = await create(h)
		const big = (i: number) => `${i}${'x'.repeat(600_000)}`
		for (let i = 0; i < 3; i++) expect((await fetch(body.url, { method: 'POST', body: big(i) })).status).toBe(200)
		const page = await h.server.ctx.testSessions.exportPages(body.session_id)
		const first = await page('')
		expect(first.map((r) => r.payload_size)).toEqual([600_001, 600_001])
		expect(await page(first.at(-1)?.id ?? '')).toHaveLength(1)
		const lines = (await (await fetch(`${h.url}/v1/test/sessions/${body.session_id}/export`)).text()).trim().split('\n')
		expect(lines.map((l) => (JSON.parse(l) as { body: string }).body)).toEqual([big(0), big(1), big(2)])
	})

	it('claim needs a key and keeps every event in the caller\'s environment', async () => {
		const { body } = await create(h)
		const ids = [] as string[]
		for (let i = 0; i < 3; i++) ids.push(((await (await fetch(body.url, { method: 'POST', body: `{"i":${i}}` })).json()) as { event_id: string }).event_id)
		expect((await call('POST', `/v1/test/sessions/${body.session_id}/claim`)).status).toBe(401)
		const claimed = await call('POST', `/v1/test/sessions/${body.session_id}/claim`, undefined, { 'x-api-key': h.key })
		expect(claimed.status).toBe(200)
		expect(claimed.body.source).toMatchObject({ id: body.source_id })
		expect((await call('GET', `/v1/test/sessions/${body.session_id}`)).status).toBe(404)
		const events = await h.api<{ events: { id: string }[] }>('GET', `/v1/events?source_id=${body.source_id}`)
		expect(events.body.events.map((e) => e.id).toSorted()).toEqual(ids.toSorted())
		// No request limit any more: the 4th request is accepted.
		expect((await fetch(body.url, { method: 'POST', body: '{}' })).status).toBe(200)
	})

	it('claim refuses a read-only key (403) and leaves the session as it was', async () => {
		const { body } = await create(h)
		const me = await h.server.ctx.keys.authenticate(h.key)
		const { key } = await h.server.ctx.keys.createFor(me.orgId, me.envId, 'read only', ['read'])
		const refused = await call('POST', `/v1/test/sessions/${body.session_id}/claim`, undefined, { 'x-api-key': key })
		expect(refused.status).toBe(403)
		expect(refused.body).toMatchObject({ status: 403, error: expect.stringContaining('viewer'), request_id: expect.any(String) })
		expect((await call('GET', `/v1/test/sessions/${body.session_id}`)).status).toBe(200)
		expect((await h.api('GET', `/v1/sources/${body.source_id}`)).status).toBe(404)
	})

	it('claim counts against max_sources like creating a source', async () => {
		const full = await startHarness({ 'max-sources': '1' })
		try {
			expect((await full.api('POST', '/v1/sources', { name: 'only', slug: 'only' })).status).toBe(201)
			const { body } = await create(full)
			const res = await fetch(`${full.url}/v1/test/sessions/${body.session_id}/claim`, { method: 'POST', headers: { 'x-api-key': full.key } })
			expect(res.status).toBe(403)
			expect(await res.json()).toMatchObject({ status: 403, error: 'Plan limit reached' })
			expect((await fetch(`${full.url}/v1/test/sessions/${body.session_id}`)).status).toBe(200)
		} finally {
			await full.close()
		}
	})

	it('is mounted at /v1/agent/sessions too', async () => {
		const { status, body } = await create(h, '/v1/agent/sessions')
		expect(status).toBe(201)
		expect((await call('GET', `/v1/agent/sessions/${body.session_id}`)).body.session.id).toBe(body.session_id)
		expect((await call('GET', `/v1/test/sessions/${body.session_id}`)).status).toBe(200)
		expect((await call('GET', '/v1/test/sessions/nothing-here')).status).toBe(404)
	})

	it('feeds /v1/ws/test/:session_id without auth, with that session only', async () => {
		const { body } = await create(h)
		const other = await create(h)
		expect(await handshakeStatus(`${h.url}/v1/ws/test/${'0'.repeat(32)}`)).toBe(404)
		const c = new LiveClient(`${h.url.replace('http', 'ws')}/v1/ws/test/${body.session_id}`)
		await c.opened
		await c.until((ms) => ms.some((m) => m.type === 'subscribed'))
		await fetch(other.body.url, { method: 'POST', body: 'other' })
		const id = ((await (await fetch(body.url, { method: 'POST', body: 'mine' })).json()) as { event_id: string }).event_id
		await c.until(() => c.eventIds().length === 1)
		expect(c.of('event')[0]).toMatchObject({ channel: body.session_id, data: { id, body: 'mine' } })
		expect(await c.subscribe('events')).toMatchObject({ type: 'error', code: 'forbidden' })
		c.close()
	})

	it('holds at most 20 public feeds open per session (429 before the upgrade), and frees a slot on close', async () => {
		const { body } = await create(h)
		const url = `${h.url.replace('http', 'ws')}/v1/ws/test/${body.session_id}`
		const feeds = Array.from({ length: 20 }, () => new LiveClient(url))
		await Promise.all(feeds.map((c) => c.opened))
		expect(await handshakeStatus(url)).toBe(429)
		const refused = await fetch(url.replace('ws', 'http'), { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } })
		expect(await refused.json()).toMatchObject({ status: 429, error: expect.stringContaining('20'), request_id: expect.any(String) })
		const other = await create(h)
		expect(await handshakeStatus(`${h.url}/v1/ws/test/${other.body.session_id}`)).toBe(101)
		feeds[0]?.close()
		await feeds[0]?.closed
		await h.until(async () => ((await handshakeStatus(url)) === 101 ? true : undefined))
		for (const c of feeds) c.close()
	})
})

describe('test session limits', () => {
	it('rate limits creation per client address, expires into 410, and refuses private forwarding targets', async () => {
		const hh = await startHarness({ 'test-sessions-per-ip-hour': '2', 'test-session-ttl-seconds': '1', 'allow-private-destinations': false })
		const a = await create(hh)
		expect(a.status).toBe(201)
		expect((await create(hh)).status).toBe(201)
		const third = await create(hh)
		expect(third.status).toBe(429)
		expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(3000)
		const fwd = await fetch(`${hh.url}/v1/test/sessions/${a.body.session_id}/forwarding`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/x', enabled: true }) })
		expect(fwd.status).toBe(400)
		expect(((await fwd.json()) as { error: string }).error).toContain('private')
		await Bun.sleep(1100)
		const gone = await fetch(a.body.url, { method: 'POST', body: '{}' })
		expect(gone.status).toBe(410)
		expect(await handshakeStatus(`${hh.url}/v1/ws/test/${a.body.session_id}`)).toBe(410)
		await hh.close()
	})

	it('purges sessions a day past expiry, with their events', async () => {
		let now = Date.now()
		const t = await makeTestApp({}, { now: () => now })
		const created = (await (await t.call('POST', '/v1/test/sessions', { key: null })).json()) as Created
		expect((await t.call('POST', `/v1/ingest/${created.session_id}`, { key: null, body: '{}' })).status).toBe(200)
		await t.ctx.drainWrites()
		expect(await t.ctx.testSessions.purgeExpired()).toBe(0)
		const envId = (await t.ctx.store.sources.findById(created.source_id))?.env_id as string
		expect(await t.ctx.store.events.count({ envId, sourceId: created.source_id })).toBe(1)
		now += 15 * 86400_000 + 1000
		expect(await t.ctx.testSessions.purgeExpired()).toBe(1)
		expect((await t.call('GET', `/v1/test/sessions/${created.session_id}`, { key: null })).status).toBe(404)
		expect(await t.ctx.store.events.count({ envId, sourceId: created.source_id })).toBe(0)
		expect(await t.ctx.store.events.findById(created.source_id.replace('src_', 'evt_'))).toBeNull()
		await t.close()
	})
})
