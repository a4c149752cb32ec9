import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../../helpers'
import { json } from '../../accounts-helpers'

let t: TestApp
afterEach(async () => {
	await t.close()
})

describe('GET /v1/billing/usage', () => {
	beforeEach(async () => {
		t = await makeTestApp({ 'max-sources': '10', 'max-environments': '4', 'retention-days': '14' })
	})

	it('the self-hosted plan: counts of the environment against the configured quotas, null = unlimited', async () => {
		const src = await json(await t.call('POST', '/v1/sources', { body: { name: 'a', slug: 'a' } }))
		for (let i = 0; i < 3; i++) expect((await t.call('POST', `/v1/ingest/${src.source.id}`, { key: null, body: { i } })).status).toBe(200)
		await t.ctx.drainWrites()
		const res = await t.call('GET', '/v1/billing/usage')
		expect(res.status).toBe(200)
		expect(await json(res)).toEqual({
			plan: 'self_hosted',
			events: { used: 3, limit: null, percentage: null },
			sources: { used: 1, limit: 10 },
			destinations: { used: 0, limit: null },
			environments: { used: 1, limit: 4 },
			retention_days: 14
		})
	})
})

describe('OpenAPI', () => {
	beforeEach(async () => {
		t = await makeTestApp()
	})

	it('documents every accounts route', async () => {
		const doc = await json(await t.call('GET', '/docs/json', { key: null }))
		const expected: Record<string, string[]> = {
			'/v1/environments': ['get', 'post'],
			'/v1/environments/{id}': ['get', 'patch', 'delete'],
			'/v1/auth/api-keys': ['get', 'post'],
			'/v1/auth/api-keys/{id}': ['delete'],
			'/v1/auth/device/code': ['post'],
			'/v1/auth/device/token': ['post'],
			'/v1/auth/device/approve': ['post'],
			'/v1/members': ['get'],
			'/v1/members/{id}': ['patch', 'delete'],
			'/v1/invitations': ['get', 'post'],
			'/v1/invitations/{id}': ['get', 'delete'],
			'/v1/invitations/{id}/accept': ['post'],
			'/v1/me': ['get'],
			'/v1/billing/usage': ['get']
		}
		for (const [path, methods] of Object.entries(expected)) {
			for (const m of methods) {
				const op = doc.paths[path]?.[m]
				expect({ path, m, summary: typeof op?.summary }).toEqual({ path, m, summary: 'string' })
			}
		}
		expect(doc.components.securitySchemes.session).toEqual({ type: 'apiKey', in: 'cookie', name: 'better-auth.session_token' })
	})
})
