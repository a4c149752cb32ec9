import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { getTemplate } from '../../../src/templates'
import { makeTestApp, type TestApp } from '../../helpers'
import { PRESETS, type Preset } from './signers'

/**
 * Every template added on a new scheme (issue 16) against the server's
 * ingest handler: its own sample event signed the way the provider documents
 * (signers.ts, independent of src/) is accepted and stored as `verified`; a
 * tampered body, a wrong secret and, where a timestamp is signed, a stale one
 * are each a 401 with the error envelope.
 */
let now = Date.now()
let t: TestApp
beforeAll(async () => {
	t = await makeTestApp({}, { now: () => now })
})
afterAll(() => t.close())

const HOST = 'http://localhost'

function sampleBody(p: Preset): string {
	const sample = getTemplate(p.slug)?.sample_event
	if (p.body) return p.body(sample)
	return typeof sample === 'string' ? sample : JSON.stringify(sample)
}

function flipMiddle(body: string): string {
	const at = Math.floor(body.length / 2)
	return body.slice(0, at) + String.fromCharCode(body.charCodeAt(at) ^ 1) + body.slice(at + 1)
}

async function post(id: string, body: string, headers: Record<string, string>, contentType: string): Promise<Response> {
	return t.call('POST', `/v1/ingest/${id}`, { body, headers: { 'content-type': contentType, ...headers } })
}

async function expect401(res: Response, what: string): Promise<void> {
	const json = (await res.json()) as Record<string, unknown>
	expect({ what, status: res.status, json }).toMatchObject({ what, status: 401, json: { status: 401, error: 'Invalid signature', request_id: expect.stringMatching(/^req_/) } })
}

describe.each(PRESETS.map((p) => [p.slug, p] as const))('%s template', (slug, p) => {
	let id: string
	let url: string
	const contentType = p.contentType ?? 'application/json'

	beforeAll(async () => {
		now = Date.now()
		const res = await t.call('POST', '/v1/sources', { body: { name: slug, slug: `preset-${slug}`, template: slug, verification_secret: p.sourceSecret } })
		expect(res.status).toBe(201)
		id = ((await res.json()) as { source: { id: string } }).source.id
		url = `${HOST}/v1/ingest/${id}`
	})

	function signed(secret = p.signingSecret, at = now): { body: string; headers: Record<string, string> } {
		const body = sampleBody(p)
		const s = p.sign({ body, url, secret, now: at })
		return { body: s.body ?? body, headers: s.headers }
	}

	it('accepts its sample event signed as the provider documents, stored verified', async () => {
		const req = signed()
		const res = await post(id, req.body, req.headers, contentType)
		// Dropbox Sign must get its own acknowledgement text back; everyone else gets the event id.
		if (getTemplate(slug)?.handshake === 'dropbox_sign_callback') {
			expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: 'Hello API Event Received' })
		}
		const listed = (await (await t.call('GET', `/v1/events?source_id=${id}`)).json()) as { events: { id: string }[] }
		const json = res.bodyUsed ? { event_id: listed.events[0]?.id, source_id: id } : ((await res.json()) as { event_id?: string; source_id?: string })
		// Read before asserting: Bun 1.4's toMatchObject writes asymmetric matchers into the received object.
		const eventId = json.event_id ?? ''
		expect({ status: res.status, eventId, sourceId: json.source_id }).toEqual({ status: 200, eventId: expect.stringMatching(/^evt_/), sourceId: id })
		const event = (await (await t.call('GET', `/v1/events/${eventId}`)).json()) as { event: { verification_status: string; body: string } }
		expect(event.event.verification_status).toBe('verified')
		expect(event.event.body).toBe(req.body)
	})

	it('refuses a tampered body', async () => {
		if (p.tamper === null) {
			// Static tokens, monday.com's JWT and Graph's clientState do not cover the body: nothing to tamper with.
			expect(['header_token', 'jwt', 'graph_client_state']).toContain(getTemplate(slug)?.verification_type ?? '')
			return
		}
		const req = signed()
		const bad = p.tamper ? p.tamper(req) : { body: flipMiddle(req.body), headers: req.headers }
		expect(bad.body).not.toBe(req.body)
		await expect401(await post(id, bad.body, bad.headers, contentType), 'tampered')
	})

	it('refuses a signature made with another secret, and a missing one', async () => {
		const req = signed(p.wrongSecret)
		await expect401(await post(id, req.body, req.headers, contentType), 'wrong secret')
		const unsigned = signed()
		// Unsigned: none of the headers the template reads, and the sample body as published (its own signature fields, if any, are stale).
		const read = (getTemplate(slug)?.headers ?? []).map((h) => h.toLowerCase())
		const stripped = Object.fromEntries(Object.entries(unsigned.headers).filter(([k]) => !read.includes(k.toLowerCase())))
		await expect401(await post(id, sampleBody(p), stripped, contentType), 'unsigned')
	})

	// Only schemes that sign a timestamp have a tolerance to test; the others get no test rather than a skipped one.
	const staleByMs = p.staleByMs
	if (staleByMs !== undefined) it('refuses a signature past the tolerance', async () => {
		const req = signed(p.signingSecret, now - staleByMs)
		await expect401(await post(id, req.body, req.headers, contentType), 'stale')
		// The same request signed now passes: the time alone made the difference.
		const fresh = signed()
		expect((await post(id, fresh.body, fresh.headers, contentType)).status).toBe(200)
	})
})
