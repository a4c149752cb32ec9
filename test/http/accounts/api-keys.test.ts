import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { sha256Hex } from '../../../src/lib/crypto'
import { makeTestApp, otherTenantKey, type TestApp } from '../../helpers'
import { asUser, json } from '../../accounts-helpers'

let t: TestApp
let owner: Awaited<ReturnType<typeof asUser>>
beforeEach(async () => {
	t = await makeTestApp()
	owner = await asUser(t, 'owner@example.com', 'owner')
})
afterEach(async () => {
	await t.close()
})

describe('/v1/auth/api-keys', () => {
	it('creates a key shown once: {id: ak_…, name, key: hs_live_<64hex>, key_prefix, scopes, created_at}', async () => {
		const res = await owner.call('POST', '/v1/auth/api-keys', { body: { name: 'Production Backend' } })
		expect(res.status).toBe(201)
		const body = await json(res)
		expect(body.id).toMatch(/^ak_[0-9a-f]{16}$/)
		expect(body.key).toMatch(/^hs_live_[0-9a-f]{64}$/)
		expect(body).toMatchObject({ name: 'Production Backend', key_prefix: body.key.slice(0, 12), scopes: null })
		expect(body.created_at).toMatch(/Z$/)
		// Stored as a hash only.
		const row = await t.ctx.store.apiKeys.findById(body.id)
		expect(row?.key_hash).toBe(sha256Hex(body.key))
		expect(JSON.stringify(row)).not.toContain(body.key)
		// The list never shows it again.
		const list = await owner.call('GET', '/v1/auth/api-keys')
		expect(JSON.stringify(await json(list))).not.toContain(body.key)
	})

	it('a key for staging works on staging only', async () => {
		const env = (await json(await owner.call('POST', '/v1/environments', { body: { name: 'Staging', slug: 'staging' } }))).environment.id
		const { key } = await json(await owner.call('POST', '/v1/auth/api-keys', { body: { name: 'staging ci', env_id: env } }))
		const created = await json(await t.call('POST', '/v1/sources', { key, body: { name: 'stg', slug: 'stg' } }))
		expect(created.source.env_id).toBe(env)
		// The default environment's sources are not visible to it, nor its own to the default key.
		const prod = await json(await t.call('POST', '/v1/sources', { body: { name: 'prod', slug: 'prod' } }))
		expect((await t.call('GET', `/v1/sources/${prod.source.id}`, { key })).status).toBe(404)
		expect((await t.call('GET', `/v1/sources/${created.source.id}`)).status).toBe(404)
		expect((await t.call('GET', `/v1/sources?env_id=${prod.source.env_id}`, { key })).status).toBe(403)
	})

	it('lists keys masked with request_count, last_used_at and revoked', async () => {
		const { id, key } = await json(await owner.call('POST', '/v1/auth/api-keys', { body: { name: 'counted' } }))
		for (let i = 0; i < 3; i++) expect((await t.call('GET', '/v1/sources', { key })).status).toBe(200)
		const { api_keys } = await json(await owner.call('GET', '/v1/auth/api-keys'))
		const item = api_keys.find((k: { id: string }) => k.id === id)
		expect(Object.keys(item).sort()).toEqual(['created_at', 'env_id', 'id', 'key_prefix', 'last_used_at', 'name', 'request_count', 'revoked', 'scopes'])
		expect(item).toMatchObject({ name: 'counted', request_count: 3, revoked: false, key_prefix: key.slice(0, 12) })
		expect(item.last_used_at).toMatch(/Z$/)
	})

	it('DELETE revokes at once: the very next request with the key is 401', async () => {
		const { id, key } = await json(await owner.call('POST', '/v1/auth/api-keys', { body: { name: 'doomed' } }))
		expect((await t.call('GET', '/v1/sources', { key })).status).toBe(200)
		expect((await owner.call('DELETE', `/v1/auth/api-keys/${id}`)).status).toBe(200)
		const res = await t.call('GET', '/v1/sources', { key })
		expect(res.status).toBe(401)
		const { api_keys } = await json(await owner.call('GET', '/v1/auth/api-keys'))
		expect(api_keys.find((k: { id: string }) => k.id === id).revoked).toBe(true)
	})

	it('404 for an unknown key or another organization\'s; env_id of another organization is 404', async () => {
		expect((await owner.call('DELETE', '/v1/auth/api-keys/ak_0000000000000000')).status).toBe(404)
		const other = await otherTenantKey(t)
		const otherRow = (await t.ctx.store.apiKeys.list()).find((r) => r.env_id === other.envId)
		expect((await owner.call('DELETE', `/v1/auth/api-keys/${otherRow?.id}`)).status).toBe(404)
		expect((await t.call('GET', '/v1/sources', { key: other.key })).status).toBe(200)
		expect((await owner.call('POST', '/v1/auth/api-keys', { body: { name: 'x', env_id: other.envId } })).status).toBe(404)
	})

	it('needs a session: an API key cannot create, list or revoke keys (403)', async () => {
		expect((await t.call('POST', '/v1/auth/api-keys', { body: { name: 'x' } })).status).toBe(403)
		expect((await t.call('GET', '/v1/auth/api-keys')).status).toBe(403)
		const mine = (await t.ctx.store.apiKeys.list())[0]
		const res = await t.call('DELETE', `/v1/auth/api-keys/${mine?.id}`)
		expect(res.status).toBe(403)
		expect((await json(res)).error).toContain('signed-in user')
	})

	it('400 for a missing or empty name', async () => {
		expect((await owner.call('POST', '/v1/auth/api-keys', { body: {} })).status).toBe(400)
		expect((await owner.call('POST', '/v1/auth/api-keys', { body: { name: '' } })).status).toBe(400)
	})
})
