import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../../helpers'
import { asUser, json } from '../../accounts-helpers'

let t: TestApp
beforeEach(async () => {
	t = await makeTestApp()
})
afterEach(async () => {
	await t.close()
})

type Caller = Awaited<ReturnType<typeof asUser>>

async function staging(owner: Caller): Promise<string> {
	const res = await owner.call('POST', '/v1/environments', { body: { name: 'Staging', slug: 'staging' } })
	expect(res.status).toBe(201)
	return (await json(res)).environment.id
}

const slugs = async (res: Response) => (await json(res)).sources.map((s: { slug: string }) => s.slug)

describe('session cookie on /v1', () => {
	it('defaults to the organization\'s first environment (the API key\'s)', async () => {
		expect((await t.call('POST', '/v1/sources', { body: { name: 'by key', slug: 'by-key' } })).status).toBe(201)
		const owner = await asUser(t, 'owner@example.com', 'owner')
		expect(await slugs(await owner.call('GET', '/v1/sources'))).toEqual(['by-key'])
	})

	it('X-Hookstream-Env, env_id in the query, or env_id in the body choose another environment of the organization', async () => {
		const owner = await asUser(t, 'owner@example.com', 'owner')
		const env = await staging(owner)
		const byHeader = await owner.call('POST', '/v1/sources', { body: { name: 'h', slug: 'h' }, headers: { 'x-hookstream-env': env } })
		expect(byHeader.status).toBe(201)
		expect((await json(byHeader)).source.env_id).toBe(env)
		const byBody = await owner.call('POST', '/v1/sources', { body: { name: 'b', slug: 'b', env_id: env } })
		expect((await json(byBody)).source.env_id).toBe(env)
		expect(await slugs(await owner.call('GET', `/v1/sources?env_id=${env}`))).toEqual(['b', 'h'])
		expect(await slugs(await owner.call('GET', '/v1/sources', { headers: { 'x-hookstream-env': env } }))).toEqual(['b', 'h'])
		expect(await slugs(await owner.call('GET', '/v1/sources'))).toEqual([])
		// The API key stays in its own environment.
		expect(await slugs(await t.call('GET', '/v1/sources'))).toEqual([])
	})

	it('a body env_id cannot contradict the header', async () => {
		const owner = await asUser(t, 'owner@example.com', 'owner')
		const env = await staging(owner)
		const first = (await json(await owner.call('GET', '/v1/me'))).environments[0].id
		const res = await owner.call('POST', '/v1/sources', { body: { name: 'x', slug: 'x', env_id: first }, headers: { 'x-hookstream-env': env } })
		expect(res.status).toBe(403)
	})
})

describe('no way into another organization\'s environment', () => {
	it('a session naming another organization\'s environment (header, query or body) gets 404', async () => {
		const other = await otherTenantKey(t)
		const owner = await asUser(t, 'owner@example.com', 'owner')
		for (const res of [
			await owner.call('GET', '/v1/sources', { headers: { 'x-hookstream-env': other.envId } }),
			await owner.call('GET', `/v1/sources?env_id=${other.envId}`),
			await owner.call('POST', '/v1/sources', { body: { name: 'x', slug: 'x', env_id: other.envId } })
		]) {
			expect(res.status).toBe(404)
			expect((await json(res)).error).toBe('Environment not found')
		}
	})

	it('an API key naming another environment in X-Hookstream-Env gets 404', async () => {
		const other = await otherTenantKey(t)
		const res = await t.call('GET', '/v1/sources', { headers: { 'x-hookstream-env': other.envId } })
		expect(res.status).toBe(404)
	})

	it('a session cookie of another organization gets nothing of ours', async () => {
		const created = await json(await t.call('POST', '/v1/sources', { body: { name: 'ours', slug: 'ours' } }))
		const other = await otherTenantKey(t)
		const stranger = await asUser(t, 'stranger@example.com', 'owner', other.orgId)
		expect((await stranger.call('GET', `/v1/sources/${created.source.id}`)).status).toBe(404)
		expect((await stranger.call('PATCH', `/v1/sources/${created.source.id}`, { body: { name: 'mine now' } })).status).toBe(404)
		expect((await stranger.call('DELETE', `/v1/sources/${created.source.id}`)).status).toBe(404)
		expect(await slugs(await stranger.call('GET', '/v1/sources'))).toEqual([])
		expect((await stranger.call('GET', '/v1/members')).status).toBe(200)
		const members = (await json(await stranger.call('GET', '/v1/members'))).members.map((m: { email: string }) => m.email)
		expect(members).toEqual(['stranger@example.com'])
		expect((await stranger.call('GET', '/v1/auth/api-keys')).status).toBe(200)
		const keys = (await json(await stranger.call('GET', '/v1/auth/api-keys'))).api_keys as { env_id: string }[]
		expect(keys.length).toBe(1)
		expect(keys.every((k) => k.env_id === other.envId)).toBe(true)
	})
})

describe('CSRF: cookie-authenticated writes need a same-origin Origin', () => {
	it('no Origin → 403; a foreign Origin → 403; our origin → 201; reads need none', async () => {
		const owner = await asUser(t, 'owner@example.com', 'owner')
		const send = (origin: string | null) =>
			t.call('POST', '/v1/sources', { key: null, body: { name: 'c', slug: `c-${Math.random().toString(16).slice(2, 8)}` }, headers: origin ? { cookie: owner.cookie, origin } : { cookie: owner.cookie } })
		const none = await send(null)
		expect(none.status).toBe(403)
		expect((await json(none)).error).toContain('Cross-site request refused')
		expect((await send('https://evil.example')).status).toBe(403)
		expect((await send('http://localhost.evil.example')).status).toBe(403)
		expect((await send('null')).status).toBe(403)
		expect((await send('http://localhost')).status).toBe(201)
		expect((await t.call('GET', '/v1/sources', { key: null, headers: { cookie: owner.cookie } })).status).toBe(200)
	})

	it('API keys are not affected', async () => {
		expect((await t.call('POST', '/v1/sources', { body: { name: 'k', slug: 'k' } })).status).toBe(201)
		expect((await t.call('POST', '/v1/sources', { body: { name: 'k2', slug: 'k2' }, headers: { origin: 'https://evil.example' } })).status).toBe(201)
	})

	it('the configured public URL is an accepted origin', async () => {
		const app = await makeTestApp({ 'public-url': 'https://hooks.example.com' })
		try {
			const owner = await asUser(app, 'owner@example.com', 'owner')
			const res = await app.call('POST', '/v1/sources', { key: null, body: { name: 'p', slug: 'p' }, headers: { cookie: owner.cookie, origin: 'https://hooks.example.com' } })
			expect(res.status).toBe(201)
		} finally {
			await app.close()
		}
	})
})
