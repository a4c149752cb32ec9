import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { misspellingOf } from '../../src/http/unknown-keys'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'
import { asUser } from '../accounts-helpers'

/** The one rule for unknown keys (README, "Unknown fields and parameters"). */
let t: TestApp
let org: string
let env: string
beforeAll(async () => {
	t = await makeTestApp()
	const res = await t.call('POST', '/v1/sources', { body: { name: 'first', slug: 'first' } })
	const { source } = (await res.json()) as { source: { org_id: string; env_id: string } }
	org = source.org_id
	env = source.env_id
})
afterAll(() => t.close())

async function refused(res: Response, where: 'body' | 'query', key: string, meant?: string) {
	expect(res.status).toBe(400)
	const body = (await res.json()) as { error: string; details: { path: string }[] }
	expect(body.error).toStartWith(`Invalid ${where}: '${key}' is not an allowed field`)
	if (meant) expect(body.error).toContain(`did you mean '${meant}'?`)
	expect(body.details[0]?.path).toBe(`/${key}`)
}

describe('unknown body keys', () => {
	it('a key this endpoint does not know is a 400 naming it, and nothing is stored', async () => {
		await refused(await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'unknown-key', colour: 'blue' } }), 'body', 'colour')
		expect((await t.call('GET', '/v1/sources/unknown-key')).status).not.toBe(200)
		const res = await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'patch-unknown' } })
		const { source } = (await res.json()) as { source: { id: string; name: string } }
		await refused(await t.call('PATCH', `/v1/sources/${source.id}`, { body: { name: 'y', colour: 'red' } }), 'body', 'colour')
		// The refused patch changed nothing, not even the known field beside the unknown one.
		expect(((await (await t.call('GET', `/v1/sources/${source.id}`)).json()) as { source: { name: string } }).source.name).toBe('x')
	})

	it('a misspelling of a known key is a 400 naming it and the key it meant', async () => {
		await refused(await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'typo', verification_secert: 'whsec_1234' } }), 'body', 'verification_secert', 'verification_secret')
		await refused(await t.call('POST', '/v1/sources', { body: { nmae: 'x', slug: 'typo' } }), 'body', 'nmae', 'name')
		await refused(await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'typo', 'dedup-window-seconds': 60 } }), 'body', 'dedup-window-seconds', 'dedup_window_seconds')
		await refused(await t.call('POST', '/v1/destinations', { body: { name: 'x', slug: 'typo', url: 'https://example.com', Retry_Max_Attempts: 3 } }), 'body', 'Retry_Max_Attempts', 'retry_max_attempts')
		expect((await t.call('GET', '/v1/sources/typo')).status).not.toBe(200)
	})

	it('a field of another operation (status on a create) is a 400, not silently dropped', async () => {
		await refused(await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'status-on-create', status: 'disabled' } }), 'body', 'status')
	})
})

describe('unknown query parameters', () => {
	it('a parameter this endpoint does not know is a 400 naming it', async () => {
		await refused(await t.call('GET', '/v1/sources?utm_source=newsletter&limit=1'), 'query', 'utm_source')
		expect((await t.call('GET', '/v1/sources?limit=1')).status).toBe(200)
	})

	it('a misspelled parameter, or a filter this list does not have, is a 400 naming it', async () => {
		await refused(await t.call('GET', '/v1/sources?limt=5'), 'query', 'limt', 'limit')
		await refused(await t.call('GET', '/v1/events?sorce_id=src_00000000000000000000000000000000'), 'query', 'sorce_id', 'source_id')
		await refused(await t.call('GET', '/v1/sources?destination_id=dst_00000000000000000000000000000000'), 'query', 'destination_id')
	})

	it('no query parameter the reference documents for an endpoint is refused as unknown', async () => {
		const src = 'src_00000000000000000000000000000000'
		const dst = 'dst_00000000000000000000000000000000'
		const urls = [
			`/v1/sources?limit=20&org_id=${org}&env_id=${env}&status=active`,
			'/v1/destinations?limit=20',
			`/v1/connections?source_id=${src}&destination_id=${dst}&limit=20`,
			`/v1/events?source_id=${src}&org_id=${org}&status=pending&verification_status=verified&dedup_status=unique&method=POST&search=abc&direction=desc&after=2026-01-01T00:00:00Z&before=2027-01-01T00:00:00Z&limit=50&offset=0`,
			`/v1/delivery-attempts?event_id=evt_00000000000000000000000000000000&connection_id=conn_00000000000000000000000000000000&destination_id=${dst}&status=failed&is_dlq=1&limit=50&offset=0`,
			`/v1/issues?status=open&destination_id=${dst}&limit=50&offset=0`
		]
		for (const url of urls) {
			const res = await t.call('GET', url)
			expect({ url, status: res.status, body: res.status === 200 ? '' : await res.text() }).toEqual({ url, status: 200, body: '' })
		}
	})
})

describe('routes with no parameters of their own', () => {
	it('know only org_id and env_id: anything else is a 400 naming it', async () => {
		const { source } = (await (await t.call('POST', '/v1/sources', { body: { name: 'q', slug: 'scope-only' } })).json()) as { source: { id: string } }
		await refused(await t.call('GET', `/v1/sources/${source.id}?expand=connections`), 'query', 'expand')
		await refused(await t.call('DELETE', `/v1/sources/${source.id}?forse=true`), 'query', 'forse')
		await refused(await t.call('GET', '/v1/templates?categroy=payments'), 'query', 'categroy')
		await refused(await t.call('GET', '/v1/issues/summary?status=open'), 'query', 'status')
		await refused(await t.call('GET', '/v1/me?verbose=1'), 'query', 'verbose')
		expect((await t.call('GET', `/v1/sources/${source.id}`)).status).toBe(200)
		// A body, on a route that takes none, likewise: nothing it sends is silently dropped.
		await refused(await t.call('POST', `/v1/destinations/dst_00000000000000000000000000000000/circuit/reset`, { body: { force: true } }), 'body', 'force')
		await refused(await t.call('DELETE', `/v1/sources/${source.id}`, { body: { cascade: false } }), 'body', 'cascade')
		expect((await t.call('DELETE', `/v1/sources/${source.id}`, { body: { env_id: env } })).status).toBe(200)
	})

	it('their own org and environment are accepted; another one is a 403, as on every list', async () => {
		const { source } = (await (await t.call('POST', '/v1/sources', { body: { name: 'q', slug: 'scope-own' } })).json()) as { source: { id: string } }
		expect((await t.call('GET', `/v1/sources/${source.id}?org_id=${org}&env_id=${env}`)).status).toBe(200)
		expect((await t.call('GET', `/v1/issues/summary?env_id=${env}`)).status).toBe(200)
		const other = await otherTenantKey(t)
		expect((await t.call('GET', `/v1/sources/${source.id}?env_id=${other.envId}`)).status).toBe(403)
		expect((await t.call('GET', `/v1/issues/summary?org_id=${other.orgId}`)).status).toBe(403)
	})

	it('a session still picks its environment with env_id on them', async () => {
		const owner = await asUser(t, 'scope-owner@example.com', 'owner')
		expect((await owner.call('GET', `/v1/members?env_id=${env}`)).status).toBe(200)
		expect((await owner.call('GET', `/v1/billing/usage?env_id=${env}`)).status).toBe(200)
		await refused(await owner.call('GET', '/v1/members?role=admin'), 'query', 'role')
	})

	it("ingest is not one of them: a sender's query is stored, whatever it holds", async () => {
		const { source } = (await (await t.call('POST', '/v1/sources', { body: { name: 'q', slug: 'scope-ingest' } })).json()) as { source: { id: string } }
		for (const method of ['GET', 'POST']) {
			const res = await t.call(method, `/v1/ingest/${source.id}?utm_source=x&limt=1&env_id=whatever`, { key: null, body: method === 'POST' ? {} : undefined })
			expect({ method, status: res.status }).toEqual({ method, status: 200 })
		}
	})
})

describe('body fields the reference documents', () => {
	// hookstream-reference.md §2.2–2.4: every create and update field of sources, destinations and connections.
	const SOURCE_CREATE = ['org_id', 'env_id', 'name', 'slug', 'description', 'template', 'type', 'source_config', 'verification_enabled', 'verification_type', 'verification_secret', 'verification_header', 'dedup_enabled', 'dedup_strategy', 'dedup_field', 'dedup_window_seconds', 'ip_allowlist', 'ip_denylist']
	const SOURCE_UPDATE = ['name', 'description', 'verification_enabled', 'verification_type', 'verification_secret', 'verification_header', 'verification_config', 'dedup_enabled', 'dedup_strategy', 'dedup_field', 'dedup_window_seconds', 'ip_allowlist', 'ip_denylist', 'status', 'schema_validation_enabled', 'schema_action', 'json_schema']
	const DESTINATION = ['name', 'slug', 'url', 'method', 'headers', 'timeout_ms', 'auth_type', 'auth_config', 'type', 'provider_config', 'config', 'retry_enabled', 'retry_max_attempts', 'retry_backoff_type', 'retry_intervals', 'circuit_breaker_enabled', 'circuit_breaker_threshold', 'circuit_breaker_reset_ms']
	const CONNECTION_CREATE = ['org_id', 'env_id', 'source_id', 'destination_id', 'name', 'description', 'filter_rules', 'enabled', 'transform_enabled', 'transform_expression']
	const CONNECTION_UPDATE = ['name', 'description', 'enabled', 'filter_rules', 'status', 'transform_enabled', 'transform_expression']

	it('none is refused as unknown (a wrong value may still be a 400, for its own reason)', async () => {
		const ids = async (path: string, body: Record<string, unknown>, name: string) => ((await (await t.call('POST', path, { body })).json()) as Record<string, { id: string }>)[name]?.id ?? ''
		const src = await ids('/v1/sources', { name: 'ref', slug: 'ref-src' }, 'source')
		const dst = await ids('/v1/destinations', { name: 'ref', slug: 'ref-dst', url: 'https://example.com/hook' }, 'destination')
		const conn = await ids('/v1/connections', { name: 'ref', source_id: src, destination_id: dst }, 'connection')
		let n = 0
		const cases: [string, string, string, Record<string, unknown>][] = [
			...SOURCE_CREATE.map((f) => [f, 'POST', '/v1/sources', { name: 'x', slug: `ref-${n++}`, [f]: null }] as [string, string, string, Record<string, unknown>]),
			...SOURCE_UPDATE.map((f) => [f, 'PATCH', `/v1/sources/${src}`, { [f]: null }] as [string, string, string, Record<string, unknown>]),
			...DESTINATION.flatMap((f) => [[f, 'POST', '/v1/destinations', { name: 'x', slug: `ref-${n++}`, url: 'https://example.com/hook', [f]: null }], [f, 'PATCH', `/v1/destinations/${dst}`, { [f]: null }]] as [string, string, string, Record<string, unknown>][]),
			...['org_id', 'env_id'].map((f) => [f, 'POST', '/v1/destinations', { name: 'x', slug: `ref-${n++}`, url: 'https://example.com/hook', [f]: null }] as [string, string, string, Record<string, unknown>]),
			...['status', 'signing_config'].map((f) => [f, 'PATCH', `/v1/destinations/${dst}`, { [f]: null }] as [string, string, string, Record<string, unknown>]),
			...CONNECTION_CREATE.map((f) => [f, 'POST', '/v1/connections', { name: 'c', source_id: src, destination_id: dst, [f]: null }] as [string, string, string, Record<string, unknown>]),
			...CONNECTION_UPDATE.map((f) => [f, 'PATCH', `/v1/connections/${conn}`, { [f]: null }] as [string, string, string, Record<string, unknown>])
		]
		expect(cases.length).toBeGreaterThan(80)
		const refused: string[] = []
		for (const [field, method, path, body] of cases) {
			const text = await (await t.call(method, path, { body })).text()
			if (text.includes('not an allowed field')) refused.push(`${method} ${path.replace(/\/[a-z]+_[0-9a-f]{32}$/, '/:id')} ${field}`)
		}
		expect(refused).toEqual([])
	})
})

describe('what counts as a misspelling', () => {
	it('case and separator variants, and small edits of long enough keys', () => {
		const known = ['name', 'slug', 'limit', 'verification_secret', 'dedup_window_seconds', 'url']
		expect(misspellingOf('Name', known)).toBe('name')
		expect(misspellingOf('dedup-window-seconds', known)).toBe('dedup_window_seconds')
		expect(misspellingOf('slgu', known)).toBe('slug')
		expect(misspellingOf('verifcation_secrte', known)).toBe('verification_secret')
		expect(misspellingOf('colour', known)).toBeNull()
		expect(misspellingOf('uri', known)).toBeNull() // three letters: too short to guess from
		expect(misspellingOf('verify_secret', known)).toBeNull() // too far: ignored, as documented
	})
})
