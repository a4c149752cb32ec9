import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { type Harness, startHarness } from '../e2e/harness'

let t: TestApp
let h: Harness
beforeAll(async () => {
	t = await makeTestApp()
	h = await startHarness()
})
afterAll(async () => {
	await t.close()
	await h.close()
})

async function expect405(res: Response, allow: string) {
	expect(res.status).toBe(405)
	expect(res.headers.get('allow')).toBe(allow)
	const body = (await res.json()) as Record<string, unknown>
	expect(body).toMatchObject({ status: 405, request_id: res.headers.get('x-request-id') })
	expect(body.error).toContain(allow)
}

describe('a known path with a method it lacks', () => {
	it('answers 405 with Allow listing the methods the path has', async () => {
		await expect405(await t.call('PUT', '/v1/sources', { body: {} }), 'GET, HEAD, POST')
		await expect405(await t.call('POST', '/v1/sources/src_00000000000000000000000000000000', { body: {} }), 'GET, HEAD, PATCH, DELETE')
		await expect405(await t.call('DELETE', '/v1/events/evt_00000000000000000000000000000000'), 'GET, HEAD')
		await expect405(await t.call('GET', '/v1/destinations/dst_00000000000000000000000000000000/circuit/reset'), 'POST')
		await expect405(await t.call('PATCH', '/v1/templates/stripe', { body: {} }), 'GET, HEAD')
		await expect405(await t.call('POST', '/healthz', { key: null }), 'GET, HEAD')
		await expect405(await t.call('OPTIONS', '/docs', { key: null }), 'GET, HEAD')
	})

	it('ingest keeps its own list (no HEAD: it stores nothing for it)', async () => {
		await expect405(await t.call('OPTIONS', '/v1/ingest/src_00000000000000000000000000000000'), 'GET, POST, PUT, PATCH, DELETE')
	})

	it('an unknown path is still a 404, and an unauthenticated caller still gets 401 first', async () => {
		const unknown = await t.call('PUT', '/v1/nothing-here', { body: {} })
		expect(unknown.status).toBe(404)
		expect(unknown.headers.get('allow')).toBeNull()
		expect((await t.call('PUT', '/v1/sources', { key: null, body: {} })).status).toBe(401)
	})

	it('over a real socket too', async () => {
		await expect405(await fetch(`${h.url}/v1/sources`, { method: 'PUT', headers: { 'x-api-key': h.key, 'content-type': 'application/json' }, body: '{}' }), 'GET, HEAD, POST')
		await expect405(await fetch(`${h.url}/v1/ingest/src_00000000000000000000000000000000`, { method: 'OPTIONS' }), 'GET, POST, PUT, PATCH, DELETE')
	})
})
