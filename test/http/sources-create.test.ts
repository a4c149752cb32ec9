import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, seedBody, type TestApp } from '../helpers'
import { storedText } from '../support/stored'

/** Every key of the seed's 201 response, with the seed's JSON types ('null' allowed where the seed says `| null`). */
const SEED_KEYS: Record<string, 'string' | 'number' | 'string|null' | 'number|null'> = {
	id: 'string', org_id: 'string', env_id: 'string', slug: 'string', name: 'string',
	description: 'string|null', template: 'string|null', verification_enabled: 'number',
	verification_type: 'string|null', verification_secret: 'string|null', verification_header: 'string|null',
	verification_config: 'string|null', dedup_enabled: 'number', dedup_strategy: 'string|null',
	dedup_field: 'string|null', dedup_window_seconds: 'number', ip_allowlist: 'string|null',
	ip_denylist: 'string|null', status: 'string', event_count: 'number', last_event_at: 'string|null',
	created_at: 'string', updated_at: 'string', is_ephemeral: 'number', expires_at: 'string|null',
	request_limit: 'number|null', type: 'string', source_config: 'string|null',
	schema_validation_enabled: 'number', json_schema: 'string|null', schema_action: 'string|null'
}

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

describe('POST /v1/sources', () => {
	it('answers the seed body with 201 and exactly the seed keys plus url', async () => {
		const res = await t.call('POST', '/v1/sources', { body: seedBody() })
		expect(res.status).toBe(201)
		expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{12}$/)
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		// `rate_limit_per_second` (issue 12: per-source ingest limit) is the one addition besides url.
		expect(Object.keys(source).sort()).toEqual([...Object.keys(SEED_KEYS), 'url', 'rate_limit_per_second'].sort())
		for (const [key, type] of Object.entries(SEED_KEYS)) {
			const actual = source[key] === null ? 'null' : typeof source[key]
			expect({ key, ok: type.split('|').includes(actual) }).toEqual({ key, ok: true })
		}
		for (const key of ['verification_enabled', 'dedup_enabled', 'dedup_window_seconds', 'event_count', 'is_ephemeral', 'schema_validation_enabled']) {
			expect(Number.isInteger(source[key])).toBe(true)
		}
	})

	it('fills every value from the body, masks the secret and stores JSON columns as strings', async () => {
		const res = await t.call('POST', '/v1/sources', { body: seedBody({ slug: 'values' }) })
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		expect(source.id).toMatch(/^src_[0-9a-f]{32}$/)
		expect(source.org_id).toMatch(/^org_[0-9a-f]{32}$/)
		expect(source.env_id).toMatch(/^env_[0-9a-f]{32}$/)
		expect(source).toMatchObject({
			slug: 'values', name: 'Stripe production', description: 'Payments webhooks', template: 'stripe', type: 'http',
			verification_enabled: 1, verification_type: 'stripe', verification_header: 'Stripe-Signature',
			verification_secret: '****1234', dedup_enabled: 1, dedup_strategy: 'body_field', dedup_field: 'id',
			dedup_window_seconds: 300, ip_allowlist: '["0.0.0.0/0","::/0"]', ip_denylist: '["203.0.113.7"]',
			status: 'active', event_count: 0, last_event_at: null, is_ephemeral: 0, expires_at: null,
			request_limit: null, source_config: '{}', schema_validation_enabled: 0, json_schema: null, schema_action: null
		})
		expect(source.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
		expect(source.updated_at).toBe(source.created_at as string)
		expect(source.url).toBe(`http://localhost/v1/ingest/${source.id}`)
		expect(typeof JSON.parse(source.verification_config as string)).toBe('object')
	})

	it('applies defaults to a minimal body', async () => {
		const res = await t.call('POST', '/v1/sources', { body: { name: 'Minimal', slug: 'minimal' } })
		expect(res.status).toBe(201)
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		expect(source).toMatchObject({
			description: null, template: null, verification_enabled: 0, verification_type: null, verification_secret: null,
			verification_header: null, verification_config: null, dedup_enabled: 0, dedup_strategy: null, dedup_field: null,
			dedup_window_seconds: 300, ip_allowlist: null, ip_denylist: null, type: 'http', source_config: null
		})
	})

	it('never stores the secret in clear', async () => {
		await t.call('POST', '/v1/sources', { body: seedBody({ slug: 'at-rest', verification_secret: 'whsec_plaintext_marker' }) })
		const haystack = await storedText(t.ctx.store, t.dir)
		expect(haystack.includes('whsec_plaintext_marker')).toBe(false)
	})

	it('accepts hyphen spellings and returns the underscore form', async () => {
		const res = await t.call('POST', '/v1/sources', {
			body: { name: 'Hyphens', slug: 'hyphens', verification_type: 'hmac-sha256', verification_secret: 's3cret-value', dedup_strategy: 'payload-hash' }
		})
		expect(res.status).toBe(201)
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		expect(source).toMatchObject({ verification_type: 'hmac_sha256', verification_enabled: 1, dedup_strategy: 'payload_hash', dedup_enabled: 1 })
	})

	it('uses the configured public URL for url', async () => {
		const other = await makeTestApp({ 'public-url': 'https://hooks.example.com/' })
		const res = await other.call('POST', '/v1/sources', { body: { name: 'P', slug: 'p' } })
		const { source } = (await res.json()) as { source: { id: string; url: string } }
		expect(source.url).toBe(`https://hooks.example.com/v1/ingest/${source.id}`)
		await other.close()
	})

	it('answers 409 when the slug is taken in the environment', async () => {
		await t.call('POST', '/v1/sources', { body: { name: 'One', slug: 'taken' } })
		const res = await t.call('POST', '/v1/sources', { body: { name: 'Two', slug: 'taken' } })
		expect(res.status).toBe(409)
		const body = (await res.json()) as Record<string, unknown>
		expect(body).toMatchObject({ status: 409 })
		expect(String(body.error)).toContain('taken')
		expect(body.request_id).toBe(res.headers.get('x-request-id') as string)
	})

	it('answers 403 Plan limit reached past max_sources', async () => {
		const limited = await makeTestApp({ 'max-sources': '2' })
		for (const slug of ['a', 'b']) expect((await limited.call('POST', '/v1/sources', { body: { name: slug, slug } })).status).toBe(201)
		const res = await limited.call('POST', '/v1/sources', { body: { name: 'c', slug: 'c' } })
		expect(res.status).toBe(403)
		expect(await res.json()).toMatchObject({ error: 'Plan limit reached', status: 403 })
		await limited.close()
	})
})

describe('POST /v1/sources with nulls', () => {
	it('treats null as not set on create', async () => {
		const res = await t.call('POST', '/v1/sources', { body: { name: 'Nulls', slug: 'nulls', description: null, template: null, ip_allowlist: null, verification_type: null, dedup_strategy: null } })
		expect(res.status).toBe(201)
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		expect(source).toMatchObject({ description: null, template: null, ip_allowlist: null, verification_type: null, dedup_enabled: 0 })
	})

	it('still requires name and slug', async () => {
		expect((await t.call('POST', '/v1/sources', { body: { name: null, slug: 'x' } })).status).toBe(400)
	})
})
