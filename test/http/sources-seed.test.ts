import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

/**
 * The seed's own `POST /v1/sources` example (its curl body, key for key and in order), with each
 * placeholder that is not a valid value replaced by one that is. `dedup_window_seconds: 0` stays.
 */
async function seedExample(): Promise<Record<string, unknown>> {
	const auth = await t.ctx.keys.authenticate(t.key)
	return {
		org_id: auth.orgId,
		env_id: auth.envId,
		name: 'string',
		slug: 'my-source',
		description: 'string',
		template: 'stripe',
		type: 'http',
		source_config: {},
		verification_enabled: true,
		verification_type: 'stripe',
		verification_secret: 'string',
		verification_header: 'string',
		dedup_enabled: true,
		dedup_strategy: 'body_field',
		dedup_field: 'string',
		dedup_window_seconds: 0,
		ip_allowlist: ['0.0.0.0/0'],
		ip_denylist: ['203.0.113.7']
	}
}

describe('the seed example of POST /v1/sources', () => {
	it('is a 201, and dedup_window_seconds 0 stores the default window (300)', async () => {
		const res = await t.call('POST', '/v1/sources', { body: await seedExample() })
		expect(res.status).toBe(201)
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		expect(source).toMatchObject({ slug: 'my-source', name: 'string', template: 'stripe', dedup_strategy: 'body_field', dedup_window_seconds: 300 })
		const stored = (await (await t.call('GET', `/v1/sources/${source.id}`)).json()) as { source: { dedup_window_seconds: number } }
		expect(stored.source.dedup_window_seconds).toBe(300)
	})

	it('PATCH with dedup_window_seconds 0 also means the default', async () => {
		const created = (await (await t.call('POST', '/v1/sources', { body: { ...(await seedExample()), slug: 'patched', dedup_window_seconds: 60 } })).json()) as { source: { id: string; dedup_window_seconds: number } }
		expect(created.source.dedup_window_seconds).toBe(60)
		const res = await t.call('PATCH', `/v1/sources/${created.source.id}`, { body: { dedup_window_seconds: 0 } })
		expect(res.status).toBe(200)
		expect(((await res.json()) as { source: { dedup_window_seconds: number } }).source.dedup_window_seconds).toBe(300)
	})
})
