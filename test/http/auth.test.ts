import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

async function expect401(res: Response, message?: string) {
	expect(res.status).toBe(401)
	const body = (await res.json()) as { error: string; status: number; request_id: string }
	expect(body.status).toBe(401)
	expect(body.request_id).toMatch(/^req_/)
	if (message) expect(body.error).toBe(message)
}

describe('API key authentication', () => {
	it('accepts X-API-Key', async () => {
		expect((await t.call('GET', '/v1/sources')).status).toBe(200)
	})

	it('accepts Authorization: Bearer', async () => {
		const res = await t.call('GET', '/v1/sources', { key: null, headers: { authorization: `Bearer ${t.key}` } })
		expect(res.status).toBe(200)
	})

	it('401 with no credentials', async () => {
		await expect401(await t.call('GET', '/v1/sources', { key: null }), 'Missing API key: send X-API-Key or Authorization: Bearer')
	})

	it('401 for a malformed key', async () => {
		await expect401(await t.call('GET', '/v1/sources', { key: 'hs_live_short' }), 'Invalid API key')
	})

	it('401 for a well-formed unknown key', async () => {
		await expect401(await t.call('GET', '/v1/sources', { key: `hs_live_${'0'.repeat(64)}` }), 'Invalid API key')
	})

	it('401 for a non-Bearer Authorization scheme', async () => {
		await expect401(await t.call('GET', '/v1/sources', { key: null, headers: { authorization: `Basic ${btoa('a:b')}` } }))
	})

	it('401 for an empty Bearer', async () => {
		await expect401(await t.call('GET', '/v1/sources', { key: null, headers: { authorization: 'Bearer ' } }))
	})

	it('401 for a revoked key, at once', async () => {
		const { id, key } = await t.ctx.keys.createKey('to-revoke')
		expect((await t.call('GET', '/v1/sources', { key })).status).toBe(200)
		await t.ctx.keys.revoke(id)
		await expect401(await t.call('GET', '/v1/sources', { key }), 'API key has been revoked')
	})

	it('authenticates before validating the body', async () => {
		await expect401(await t.call('POST', '/v1/sources', { key: null, body: '{not json' }))
	})

	it('counts use in memory and writes it on flush', async () => {
		const { id, key } = await t.ctx.keys.createKey('counted')
		for (let i = 0; i < 3; i++) await t.call('GET', '/v1/sources', { key })
		expect((await t.ctx.store.apiKeys.findById(id))?.request_count).toBe(0)
		await t.ctx.keys.flushUsage()
		const row = await t.ctx.store.apiKeys.findById(id)
		expect(row?.request_count).toBe(3)
		expect(row?.last_used_at).toBeNumber()
	})

	it('stores only the SHA-256 of a key', async () => {
		const { id, key } = await t.ctx.keys.createKey('hashed')
		const row = await t.ctx.store.apiKeys.findById(id)
		expect(row?.key_hash).toBe(new Bun.CryptoHasher('sha256').update(key).digest('hex'))
		expect(row?.key_prefix).toBe(key.slice(0, 12))
	})
})

describe('tenancy scoping', () => {
	it('403 when the body names another org or environment', async () => {
		const a = await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'x', org_id: 'org_other' } })
		expect(a.status).toBe(403)
		const b = await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'x', env_id: 'env_other' } })
		expect(b.status).toBe(403)
	})

	it('403 when the query names another environment', async () => {
		expect((await t.call('GET', '/v1/sources?env_id=env_other')).status).toBe(403)
	})

	it('accepts the key\'s own org and environment in the body', async () => {
		const auth = await t.ctx.keys.authenticate(t.key)
		const res = await t.call('POST', '/v1/sources', { body: { name: 'own', slug: 'own-scope', org_id: auth.orgId, env_id: auth.envId } })
		expect(res.status).toBe(201)
	})

	it('404 for another environment\'s source on get, patch and delete; absent from its list', async () => {
		const created = await t.call('POST', '/v1/sources', { body: { name: 'mine', slug: 'mine' } })
		const { source } = (await created.json()) as { source: { id: string } }
		const other = await otherTenantKey(t)
		for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'stolen' }], ['DELETE', undefined]] as const) {
			const res = await t.call(method, `/v1/sources/${source.id}`, { key: other.key, body })
			expect(res.status).toBe(404)
			expect(await res.json()).toMatchObject({ error: 'Source not found', status: 404 })
		}
		const list = (await (await t.call('GET', '/v1/sources', { key: other.key })).json()) as { sources: unknown[] }
		expect(list.sources).toHaveLength(0)
		expect((await t.call('GET', `/v1/sources/${source.id}`)).status).toBe(200)
		// The same slug is free in the other environment.
		expect((await t.call('POST', '/v1/sources', { key: other.key, body: { name: 'mine', slug: 'mine' } })).status).toBe(201)
	})
})
