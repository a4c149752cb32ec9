import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { type Harness, startHarness } from '../e2e/harness'
import { asUser } from '../accounts-helpers'

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

	it('the accounts routes too, for a signed-in user', async () => {
		const owner = await asUser(t, 'owner-405@example.com', 'owner')
		await expect405(await owner.call('PUT', '/v1/environments', { body: {} }), 'GET, HEAD, POST')
		await expect405(await owner.call('POST', '/v1/environments/env_00000000000000000000000000000000', { body: {} }), 'GET, HEAD, PATCH, DELETE')
		await expect405(await owner.call('GET', '/v1/auth/api-keys/key_00000000000000000000000000000000'), 'DELETE')
		await expect405(await owner.call('GET', '/v1/members/mem_00000000000000000000000000000000'), 'PATCH, DELETE')
		await expect405(await owner.call('PATCH', '/v1/invitations/inv_00000000000000000000000000000000', { body: {} }), 'GET, HEAD, DELETE')
		await expect405(await owner.call('GET', '/v1/invitations/inv_00000000000000000000000000000000/accept'), 'POST')
		await expect405(await owner.call('GET', '/v1/auth/device/code'), 'POST')
		await expect405(await owner.call('DELETE', '/v1/me'), 'GET, HEAD')
	})

	it('Better Auth\'s routes under /api/auth: 405 with its own methods (no HEAD: its router does not answer it)', async () => {
		await expect405(await t.call('GET', '/api/auth/sign-in/email', { key: null }), 'POST')
		await expect405(await t.call('PUT', '/api/auth/get-session', { key: null, body: {} }), 'GET, POST')
		await expect405(await t.call('GET', '/api/auth/organization/set-active', { key: null }), 'POST')
		// Unknown, and the organization routes hookstream does not expose, stay 404.
		for (const [method, path] of [['GET', '/api/auth/nothing-here'], ['GET', '/api/auth/organization/create'], ['POST', '/api/auth/organization/create']] as const) {
			const res = await t.call(method, path, { key: null, body: method === 'POST' ? {} : undefined })
			expect({ path, status: res.status, allow: res.headers.get('allow') }).toEqual({ path, status: 404, allow: null })
		}
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
