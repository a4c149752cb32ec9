import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

describe('live and test-session routes in the API document', () => {
	it('documents the streams, the WebSocket endpoints and both session mounts', async () => {
		const doc = (await (await t.call('GET', '/docs/json', { key: null })).json()) as { paths: Record<string, Record<string, unknown>> }
		for (const path of ['/v1/ws', '/v1/ws/test/{session_id}', '/v1/events/stream', '/v1/test/sessions', '/v1/test/sessions/{id}/claim', '/v1/agent/sessions/{id}/export', '/v1/test/sessions/{id}/events/{eventId}']) {
			expect(Object.keys(doc.paths)).toContain(path)
		}
		expect(doc.paths['/v1/events/stream']?.get).toBeDefined()
	})

	it('answers a plain HTTP request to /v1/ws with 426, key or not', async () => {
		const res = await t.call('GET', '/v1/ws')
		expect(res.status).toBe(426)
		expect(await res.json()).toMatchObject({ status: 426, error: 'Expected a WebSocket upgrade', request_id: expect.any(String) })
		expect((await t.call('GET', '/v1/ws', { key: null })).status).toBe(426)
	})
})
