import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { INGEST_ROUTE } from '../../src/http/ingest'
import { createSourceId, makeTestApp, type TestApp } from '../helpers'

/**
 * The ingest hot path hands its request id and start time along itself (no per-request
 * WeakMap entry), and reads the content type from the header map it builds anyway. These
 * pin what that must keep: one id per request, the same in the answer, its envelope and
 * the access log, whichever way the request came in; and the stored content type.
 */
let t: TestApp
const logged: { id: string; route: string; status: number }[] = []
beforeAll(async () => {
	t = await makeTestApp()
	// Records the access-log calls (the logger itself is silent in tests).
	t.ctx.log.access = (id, _method, route, status) => void logged.push({ id, route, status })
})
afterAll(() => t.close())

type Json = Record<string, unknown>
const source = (body: Json) => createSourceId(t, body)
const lastLogged = () => logged.at(-1)
const REQUEST_ID = /^req_[0-9a-f]{12}$/

describe('ingest request ids', () => {
	it('the answer and the access log line carry the same fresh id on the server path', async () => {
		const id = await source({ slug: 'rid-direct' })
		const ids = new Set<string>()
		for (let i = 0; i < 3; i++) {
			const res = await t.call('POST', `/v1/ingest/${id}`, { key: null, body: '{"n":1}' })
			expect(res.status).toBe(200)
			const requestId = res.headers.get('x-request-id') ?? ''
			expect(requestId).toMatch(REQUEST_ID)
			expect(lastLogged()).toEqual({ id: requestId, route: INGEST_ROUTE, status: 200 })
			const body = (await res.json()) as Json
			expect(Object.keys(body)).toEqual(['event_id', 'source_id'])
			expect(body.source_id).toBe(id)
			expect(body.event_id).toMatch(/^evt_[0-9a-f]{32}$/)
			ids.add(requestId)
		}
		expect(ids.size).toBe(3)
	})

	it('through the app (app.handle), the answer and the log agree on one id', async () => {
		const id = await source({ slug: 'rid-app' })
		const body = '{"through":"app.handle"}'
		const res = await t.app.handle(new Request(`http://localhost/v1/ingest/${id}?n=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
		expect(res.status).toBe(200)
		// The route got the body untouched: the app's API body parser must not read it first.
		const { event_id } = (await res.clone().json()) as { event_id: string }
		const raw = await t.call('GET', `/v1/events/${event_id}/raw`)
		expect(await raw.text()).toBe(body)
		const requestId = res.headers.get('x-request-id') ?? ''
		expect(requestId).toMatch(REQUEST_ID)
		expect(lastLogged()).toEqual({ id: requestId, route: INGEST_ROUTE, status: 200 })
	})

	it('a refusal has the same id in its header, its envelope and the log', async () => {
		const res = await t.call('POST', `/v1/ingest/src_${'0'.repeat(32)}`, { key: null, body: '{}' })
		expect(res.status).toBe(404)
		const requestId = res.headers.get('x-request-id') ?? ''
		expect(requestId).toMatch(REQUEST_ID)
		expect(((await res.json()) as Json).request_id).toBe(requestId)
		expect(lastLogged()).toEqual({ id: requestId, route: INGEST_ROUTE, status: 404 })
	})
})

describe('ingest source ids in the path', () => {
	it('takes the id bare, prefixed and percent-escaped; a bad escape is a 404', async () => {
		const id = await source({ slug: 'rid-escaped' })
		const hex = id.slice(4)
		for (const path of [id, hex, `src%5F${hex}`, `%73rc_${hex}`]) {
			const res = await t.call('POST', `/v1/ingest/${path}`, { key: null, body: '{}' })
			expect({ path, status: res.status }).toEqual({ path, status: 200 })
			expect(((await res.json()) as Json).source_id).toBe(id)
		}
		expect((await t.call('POST', `/v1/ingest/src_${hex}%`, { key: null, body: '{}' })).status).toBe(404)
	})
})

describe('ingest content type', () => {
	async function stored(sourceId: string, headers: Record<string, string>): Promise<Json> {
		const res = await t.call('POST', `/v1/ingest/${sourceId}`, { key: null, body: '{"a":1}', headers })
		expect(res.status).toBe(200)
		const { event_id } = (await res.json()) as { event_id: string }
		return ((await (await t.call('GET', `/v1/events/${event_id}`)).json()) as { event: Json }).event
	}

	it('is the Content-Type header as sent, or null without one', async () => {
		const id = await source({ slug: 'ct-plain' })
		expect((await stored(id, { 'content-type': 'application/vnd.api+json; charset=utf-8' })).content_type).toBe('application/vnd.api+json; charset=utf-8')
		const bare = await t.call('POST', `/v1/ingest/${id}`, { key: null, body: new TextEncoder().encode('raw') })
		const { event_id } = (await bare.json()) as { event_id: string }
		expect(((await (await t.call('GET', `/v1/events/${event_id}`)).json()) as { event: Json }).event.content_type).toBeNull()
	})

	it('is kept on a basic-auth source, whose stored credential header is redacted', async () => {
		const id = await source({ slug: 'ct-basic', verification_type: 'basic_auth', verification_secret: 'user:pa55word' })
		const event = await stored(id, { 'content-type': 'text/plain', authorization: `Basic ${btoa('user:pa55word')}` })
		expect(event.content_type).toBe('text/plain')
		expect((event.headers as Record<string, string>).authorization).toBe('[redacted]')
	})
})
