import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, startHarness } from './harness'

/** Every error answer, whichever path produced it, is the contract's envelope with a real request id. */
let h: Harness
beforeAll(async () => {
	h = await startHarness({ 'log-level': 'silent' })
})
afterAll(() => h.close())

const REQUEST_ID = /^req_[0-9a-f]{12}$/

async function wsReply(sourceId: string, frame: string): Promise<Record<string, unknown>> {
	const ws = new WebSocket(`${h.url.replace('http', 'ws')}/v1/ingest/${sourceId}`)
	const reply = await new Promise<Record<string, unknown>>((resolve, reject) => {
		ws.onopen = () => ws.send(frame)
		ws.onerror = () => reject(new Error('socket error'))
		ws.onmessage = (m) => resolve(JSON.parse(String(m.data)) as Record<string, unknown>)
	})
	ws.close()
	return reply
}

describe('error envelope outside the Elysia app', () => {
	it('a WebSocket frame refused by ingest gets the envelope with its own request id', async () => {
		const s = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'wsx', slug: 'wsx', type: 'websocket', ip_denylist: ['127.0.0.1'] })
		const first = await wsReply(s.body.source.id, '{}')
		const second = await wsReply(s.body.source.id, '{}')
		expect(first).toMatchObject({ error: 'IP is in deny list', status: 403 })
		expect(first.request_id).toMatch(REQUEST_ID)
		expect(second.request_id).toMatch(REQUEST_ID)
		expect(second.request_id).not.toBe(first.request_id)
	})

	it('a refused upgrade is the envelope', async () => {
		const s = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'plain', slug: 'plain' })
		const res = await fetch(`${h.url}/v1/ingest/${s.body.source.id}`, { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } })
		expect(res.status).toBe(400)
		const body = (await res.json()) as Record<string, unknown>
		expect(body).toMatchObject({ status: 400, request_id: res.headers.get('x-request-id') })
		expect(body.request_id).toMatch(REQUEST_ID)
	})

	it('the server-level fallback (a throw no handler caught) answers the envelope with a fresh request id', async () => {
		const s = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'boom', slug: 'boom', type: 'websocket' })
		const admit = h.server.ctx.ingest.admit
		h.server.ctx.ingest.admit = () => Promise.reject(new Error('secret internal detail'))
		try {
			const ids: unknown[] = []
			for (let i = 0; i < 2; i++) {
				const res = await fetch(`${h.url}/v1/ingest/${s.body.source.id}`, { headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' } })
				expect(res.status).toBe(500)
				const text = await res.text()
				expect(text).not.toContain('secret internal detail')
				const body = JSON.parse(text) as Record<string, unknown>
				expect(body).toMatchObject({ error: 'Internal server error', status: 500 })
				expect(body.request_id).toMatch(REQUEST_ID)
				expect(res.headers.get('x-request-id')).toBe(body.request_id as string)
				ids.push(body.request_id)
			}
			expect(ids[0]).not.toBe(ids[1])
		} finally {
			h.server.ctx.ingest.admit = admit
		}
	})
})
