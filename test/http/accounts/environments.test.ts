import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../../helpers'
import { asUser, json } from '../../accounts-helpers'

let t: TestApp
let owner: Awaited<ReturnType<typeof asUser>>
beforeEach(async () => {
	t = await makeTestApp({ 'max-environments': '3' })
	owner = await asUser(t, 'owner@example.com', 'owner')
})
afterEach(async () => {
	await t.close()
})

const create = (name: string, slug: string) => owner.call('POST', '/v1/environments', { body: { name, slug } })

describe('/v1/environments', () => {
	it('lists the organization\'s environments (also to an API key)', async () => {
		for (const res of [await owner.call('GET', '/v1/environments'), await t.call('GET', '/v1/environments')]) {
			expect(res.status).toBe(200)
			const body = await json(res)
			expect(body.environments.map((e: { slug: string }) => e.slug)).toEqual(['production'])
		}
	})

	it('creates one: 201 {environment:{id,org_id,name,slug,created_at}}', async () => {
		const res = await create('Staging', 'staging')
		expect(res.status).toBe(201)
		const { environment } = await json(res)
		expect(Object.keys(environment).sort()).toEqual(['created_at', 'id', 'name', 'org_id', 'slug'])
		expect(environment.id).toMatch(/^env_[0-9a-f]{32}$/)
		expect(environment).toMatchObject({ name: 'Staging', slug: 'staging' })
		expect(environment.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
		expect((await json(await owner.call('GET', `/v1/environments/${environment.id}`))).environment).toEqual(environment)
	})

	it('409 when the slug is taken; 400 for a bad slug or a missing name', async () => {
		expect((await create('Prod again', 'production')).status).toBe(409)
		const bad = await create('Bad', 'Bad Slug')
		expect(bad.status).toBe(400)
		expect((await json(bad)).error).toContain('slug')
		expect((await owner.call('POST', '/v1/environments', { body: { slug: 'x' } })).status).toBe(400)
	})

	it('renames; 409 on a taken slug; 404 for an unknown id or another organization\'s', async () => {
		const { environment } = await json(await create('Staging', 'staging'))
		const res = await owner.call('PATCH', `/v1/environments/${environment.id}`, { body: { name: 'QA', slug: 'qa' } })
		expect(res.status).toBe(200)
		expect((await json(res)).environment).toMatchObject({ id: environment.id, name: 'QA', slug: 'qa' })
		expect((await owner.call('PATCH', `/v1/environments/${environment.id}`, { body: { slug: 'production' } })).status).toBe(409)
		expect((await owner.call('PATCH', `/v1/environments/env_${'0'.repeat(32)}`, { body: { name: 'x' } })).status).toBe(404)
		const other = await otherTenantKey(t)
		expect((await owner.call('PATCH', `/v1/environments/${other.envId}`, { body: { name: 'x' } })).status).toBe(404)
		expect((await owner.call('DELETE', `/v1/environments/${other.envId}?force=true`)).status).toBe(404)
	})

	it('--max-environments: 403 Plan limit reached', async () => {
		expect((await create('A', 'a')).status).toBe(201)
		expect((await create('B', 'b')).status).toBe(201)
		const res = await create('C', 'c')
		expect(res.status).toBe(403)
		expect((await json(res)).error).toBe('Plan limit reached')
	})

	it('deletes an empty environment; refuses the last one', async () => {
		const { environment } = await json(await create('Staging', 'staging'))
		expect((await owner.call('DELETE', `/v1/environments/${environment.id}`)).status).toBe(200)
		expect((await owner.call('GET', `/v1/environments/${environment.id}`)).status).toBe(404)
		const [only] = (await json(await owner.call('GET', '/v1/environments'))).environments
		const last = await owner.call('DELETE', `/v1/environments/${only.id}?force=true`)
		expect(last.status).toBe(409)
	})

	it('a non-empty environment: 409 unless ?force=true, which removes everything in it (its keys stop working)', async () => {
		const { environment } = await json(await create('Staging', 'staging'))
		const env = { 'x-hookstream-env': environment.id }
		const src = await json(await owner.call('POST', '/v1/sources', { body: { name: 's', slug: 's' }, headers: env }))
		const dst = await json(await owner.call('POST', '/v1/destinations', { body: { name: 'd', slug: 'd', url: 'https://example.com/hook' }, headers: env }))
		expect((await owner.call('POST', '/v1/connections', { body: { name: 'c', source_id: src.source.id, destination_id: dst.destination.id }, headers: env })).status).toBe(201)
		const key = (await json(await owner.call('POST', '/v1/auth/api-keys', { body: { name: 'staging', env_id: environment.id } }))).key
		expect((await t.call('POST', `/v1/ingest/${src.source.id}`, { key: null, body: { hello: 'world' } })).status).toBe(200)
		await t.ctx.drainWrites()
		const refused = await owner.call('DELETE', `/v1/environments/${environment.id}`)
		expect(refused.status).toBe(409)
		expect((await json(refused)).error).toContain('force=true')
		expect((await owner.call('DELETE', `/v1/environments/${environment.id}?force=true`)).status).toBe(200)
		expect((await t.call('GET', '/v1/sources', { key })).status).toBe(401)
		expect((await t.call('POST', `/v1/ingest/${src.source.id}`, { key: null, body: { hello: 'again' } })).status).toBe(404)
		expect((await owner.call('GET', '/v1/sources', { headers: env })).status).toBe(404)
	})

	it('accepts the bare 32-hex form of an environment id on get, patch and delete', async () => {
		const { environment } = await json(await create('Bare', 'bare'))
		const bare = environment.id.slice(4)
		expect((await json(await owner.call('GET', `/v1/environments/${bare}`))).environment.id).toBe(environment.id)
		expect((await json(await owner.call('PATCH', `/v1/environments/${bare}`, { body: { name: 'B' } }))).environment.name).toBe('B')
		expect((await owner.call('DELETE', `/v1/environments/${bare}`)).status).toBe(200)
		expect((await owner.call('GET', `/v1/environments/${environment.id}`)).status).toBe(404)
	})

	it('environment writes need a signed-in admin: an API key gets 403', async () => {
		const res = await t.call('POST', '/v1/environments', { body: { name: 'K', slug: 'k' } })
		expect(res.status).toBe(403)
	})
})
