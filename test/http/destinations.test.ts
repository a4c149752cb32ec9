import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { storedText } from '../support/stored'

/** Every key of the reference's Destination row plus signing_config, with JSON types. */
const ROW_KEYS: Record<string, 'string' | 'number' | 'string|null' | 'number|null'> = {
	id: 'string', org_id: 'string', env_id: 'string', name: 'string', slug: 'string', url: 'string', method: 'string',
	headers: 'string|null', timeout_ms: 'number', timeout: 'number', auth_type: 'string', auth_config: 'string|null', status: 'string',
	event_count: 'number', last_delivery_at: 'string|null', created_at: 'string', updated_at: 'string',
	retry_enabled: 'number|null', retry_max_attempts: 'number|null', retry_backoff_type: 'string|null',
	retry_intervals: 'string|null', circuit_breaker_enabled: 'number|null', circuit_breaker_threshold: 'number|null',
	circuit_breaker_reset_ms: 'number|null', type: 'string', provider_config: 'string|null', signing_config: 'string|null'
}
const INT_KEYS = ['timeout_ms', 'event_count', 'retry_enabled', 'retry_max_attempts', 'circuit_breaker_enabled', 'circuit_breaker_threshold', 'circuit_breaker_reset_ms']

/** Plaintext credentials that must never leave the service or reach the disk in clear. */
const PLAIN = {
	bearer: 'tok_plaintext_bearer_9876',
	password: 'pw_plaintext_basic_1111',
	apiKey: 'key_plaintext_apikey_2222',
	custom: 'custom_plaintext_hdr_3333',
	customNamedHeader: 'custom_plaintext_hdr_4444',
	signing: 'sign_plaintext_secret_5432'
}

const FULL = {
	name: 'Backend API', slug: 'backend', type: 'http', url: 'https://api.example.com/webhooks', method: 'PUT',
	headers: { 'X-Team': 'payments' }, timeout_ms: 10000, auth_type: 'bearer', auth_config: { token: PLAIN.bearer },
	signing_config: { secret: PLAIN.signing, algorithm: 'sha1', header: 'X-Sig', prefix: '', include_timestamp: true, timestamp_header: 'X-Sig-Ts' },
	retry_enabled: false, retry_max_attempts: 3, retry_backoff_type: 'linear', retry_intervals: [10, 20],
	circuit_breaker_enabled: false, circuit_breaker_threshold: 10, circuit_breaker_reset_ms: 5000
}

type Dst = Record<string, unknown> & { id: string }
let t: TestApp
/** Every response text of this file, to prove no plaintext credential was ever answered. */
const answered: string[] = []
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
	const res = await t.call('POST', '/v1/destinations', { body })
	const text = await res.text()
	answered.push(text)
	return { status: res.status, json: JSON.parse(text) as Record<string, unknown> }
}

async function create(body: Record<string, unknown>): Promise<Dst> {
	const { status, json } = await post(body)
	expect({ status, json }).toMatchObject({ status: 201 })
	return json.destination as Dst
}

describe('POST /v1/destinations', () => {
	it('answers every field with 201 and exactly the row keys, typed as the reference says', async () => {
		const dst = await create(FULL)
		expect(Object.keys(dst).sort()).toEqual(Object.keys(ROW_KEYS).sort())
		for (const [key, type] of Object.entries(ROW_KEYS)) {
			const actual = dst[key] === null ? 'null' : typeof dst[key]
			expect({ key, ok: type.split('|').includes(actual) }).toEqual({ key, ok: true })
		}
		for (const key of INT_KEYS) expect({ key, int: Number.isInteger(dst[key]) }).toEqual({ key, int: true })
		expect(dst.id).toMatch(/^dst_[0-9a-f]{32}$/)
		expect(dst.org_id).toMatch(/^org_[0-9a-f]{32}$/)
		expect(dst.env_id).toMatch(/^env_[0-9a-f]{32}$/)
		expect(dst).toMatchObject({
			name: 'Backend API', slug: 'backend', type: 'http', url: 'https://api.example.com/webhooks', method: 'PUT',
			headers: '{"X-Team":"payments"}', timeout_ms: 10000, auth_type: 'bearer', auth_config: '{"token":"****9876"}',
			status: 'active', event_count: 0, last_delivery_at: null, retry_enabled: 0, retry_max_attempts: 3,
			retry_backoff_type: 'linear', retry_intervals: '[10,20]', circuit_breaker_enabled: 0, circuit_breaker_threshold: 10,
			circuit_breaker_reset_ms: 5000, provider_config: null
		})
		expect(JSON.parse(dst.signing_config as string)).toEqual({
			secret: '****5432', algorithm: 'sha1', header: 'X-Sig', prefix: '', include_timestamp: true, timestamp_header: 'X-Sig-Ts'
		})
		expect(dst.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
		expect(dst.updated_at).toBe(dst.created_at as string)
	})

	it('applies every default to a minimal body', async () => {
		const dst = await create({ name: 'Minimal', slug: 'minimal', url: 'http://localhost:9000/hook' })
		expect(dst).toMatchObject({
			type: 'http', method: 'POST', headers: null, timeout_ms: 30000, auth_type: 'none', auth_config: null, status: 'active',
			event_count: 0, last_delivery_at: null, retry_enabled: 1, retry_max_attempts: 5, retry_backoff_type: 'exponential',
			retry_intervals: '[30,300,1800,7200,86400]', circuit_breaker_enabled: 1, circuit_breaker_threshold: 5,
			circuit_breaker_reset_ms: 60000, provider_config: null, signing_config: null
		})
	})

	it('fills the signing defaults, prefix following the algorithm', async () => {
		const a = await create({ name: 's', slug: 'sign-default', url: 'https://x.example/h', signing_config: { secret: 'abcdefgh-long-secret' } })
		expect(JSON.parse(a.signing_config as string)).toEqual({
			secret: '****cret', algorithm: 'sha256', header: 'X-hookstream-Signature', prefix: 'sha256=',
			include_timestamp: false, timestamp_header: 'X-hookstream-Timestamp'
		})
		const b = await create({ name: 's', slug: 'sign-sha1', url: 'https://x.example/h', signing_config: { secret: '12345678', algorithm: 'sha1' } })
		// A secret of 8 characters or fewer shows nothing of itself.
		expect(JSON.parse(b.signing_config as string)).toMatchObject({ secret: '****', prefix: 'sha1=' })
	})

	it('masks every credential of every auth type, keeping names visible', async () => {
		const cases: [Record<string, unknown>, unknown][] = [
			[{ auth_type: 'basic', auth_config: { username: 'alice', password: PLAIN.password } }, { username: 'alice', password: '****1111' }],
			[{ auth_type: 'api_key', auth_config: { key: PLAIN.apiKey } }, { header: 'X-API-Key', key: '****2222' }],
			[{ auth_type: 'api-key', auth_config: { header: 'X-Token', key: PLAIN.apiKey } }, { header: 'X-Token', key: '****2222' }],
			[{ auth_type: 'custom', auth_config: { headers: { 'X-Secret': PLAIN.custom, header: PLAIN.customNamedHeader } } }, { headers: { 'X-Secret': '****3333', header: '****4444' } }]
		]
		for (const [i, [auth, masked]] of cases.entries()) {
			const dst = await create({ name: 'a', slug: `auth-${i}`, url: 'https://x.example/h', ...auth })
			expect(dst.auth_type).toBe(auth.auth_type === 'api-key' ? 'api_key' : (auth.auth_type as string))
			expect(JSON.parse(dst.auth_config as string)).toEqual(masked)
			const got = await t.call('GET', `/v1/destinations/${dst.id}`)
			const text = await got.text()
			answered.push(text)
			expect(JSON.parse(text)).toEqual({ destination: dst })
		}
	})

	it('never answers a plaintext credential and never stores one in clear', async () => {
		const list = await t.call('GET', '/v1/destinations?limit=100')
		answered.push(await list.text())
		const disk = await storedText(t.ctx.store, t.dir)
		for (const secret of Object.values(PLAIN)) {
			expect({ secret, answered: answered.some((a) => a.includes(secret)) }).toEqual({ secret, answered: false })
			expect({ secret, onDisk: disk.includes(secret) }).toEqual({ secret, onDisk: false })
		}
	})

	it('accepts the provider types under their aliases, canonical, and asks for provider_config by name', async () => {
		const types: [string, string][] = [
			['aws_sqs', 'aws_sqs'], ['sqs', 'aws_sqs'], ['aws-sqs', 'aws_sqs'], ['aws_s3', 'aws_s3'], ['s3', 'aws_s3'],
			['aws_eventbridge', 'aws_eventbridge'], ['eventbridge', 'aws_eventbridge'], ['aws-eventbridge', 'aws_eventbridge'],
			['gcp_pubsub', 'gcp_pubsub'], ['pubsub', 'gcp_pubsub'], ['gcp-pubsub', 'gcp_pubsub'], ['kafka', 'kafka'], ['rabbitmq', 'rabbitmq'], ['websocket', 'websocket']
		]
		for (const [i, [input, canonical]] of types.entries()) {
			const { status, json } = await post({ name: 'n', slug: `type-${i}`, type: input })
			expect({ input, status, json }).toMatchObject({ input, status: 400, json: { error: `Invalid body: 'provider_config' is required for type ${canonical}`, status: 400, details: [{ path: '/provider_config' }] } })
		}
	})

	it('creates a websocket destination with its channel_name lower-cased, and names a bad one', async () => {
		const made = await create({ name: 'n', slug: 'type-ws', type: 'WebSocket', config: { channel_name: 'Orders.EU-1' } })
		expect(made.type).toBe('websocket')
		expect(JSON.parse(String(made.provider_config))).toEqual({ channel_name: 'orders.eu-1' })
		const bad: [unknown, string][] = [
			[{}, "'provider_config.channel_name' is required for type websocket"], [{ channel_name: '' }, 'must be a non-empty string'],
			[{ channel_name: 'a b' }, 'must be 1-100 letters'], [{ channel_name: '-x' }, 'must be 1-100 letters'], [{ channel_name: 'x'.repeat(101) }, 'at most 100'],
			[{ channel_name: 'events:src_1' }, 'must be 1-100 letters'], [{ channel_name: 'Issues' }, 'built-in /v1/ws channel'], [{ channel_name: 7 }, 'non-empty string']
		]
		for (const [i, [config, message]] of bad.entries()) {
			const { status, json } = await post({ name: 'n', slug: `ws-bad-${i}`, type: 'websocket', provider_config: config })
			expect({ config, status, path: (json.details as { path: string }[])[0]?.path }).toEqual({ config, status: 400, path: '/provider_config/channel_name' })
			expect(String(json.error)).toContain(message)
		}
		const extra = await post({ name: 'n', slug: 'ws-extra', type: 'websocket', provider_config: { channel_name: 'ok', url: 'x' } })
		expect(extra).toMatchObject({ status: 400, json: { status: 400, details: [{ path: '/provider_config/url' }] } })
	})

	it('accepts http spelled in upper case and returns it canonical', async () => {
		expect((await create({ name: 'h', slug: 'upper-http', type: 'HTTP', url: 'https://x.example/h' })).type).toBe('http')
	})

	it('answers 409 when the slug is taken in the environment', async () => {
		await create({ name: 'One', slug: 'taken', url: 'https://x.example/1' })
		const { status, json } = await post({ name: 'Two', slug: 'taken', url: 'https://x.example/2' })
		expect(status).toBe(409)
		expect(json).toMatchObject({ status: 409, details: [{ path: '/slug' }] })
		expect(String(json.error)).toContain("'taken'")
	})

	it('answers 403 Plan limit reached past max_destinations', async () => {
		const limited = await makeTestApp({ 'max-destinations': '2' })
		for (const slug of ['a', 'b']) {
			expect((await limited.call('POST', '/v1/destinations', { body: { name: slug, slug, url: 'https://x.example/h' } })).status).toBe(201)
		}
		const res = await limited.call('POST', '/v1/destinations', { body: { name: 'c', slug: 'c', url: 'https://x.example/h' } })
		expect(res.status).toBe(403)
		expect(await res.json()).toMatchObject({ error: 'Plan limit reached', status: 403 })
		// Sources have their own quota.
		expect((await limited.call('POST', '/v1/sources', { body: { name: 's', slug: 's' } })).status).toBe(201)
		await limited.close()
	})

	it('reads the quota from HOOKSTREAM_MAX_DESTINATIONS', async () => {
		const { resolveConfig } = await import('../../src/config')
		expect(resolveConfig({}, { HOOKSTREAM_MAX_DESTINATIONS: '7' }).maxDestinations).toBe(7)
		expect(resolveConfig({}, {}).maxDestinations).toBeNull()
	})
})
