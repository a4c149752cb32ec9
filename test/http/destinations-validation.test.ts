import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

const base = { name: 'Valid', slug: 'valid', url: 'https://api.example.com/hook' }
const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, 'v']))

/** [case, body, JSON pointer the 400 must name] */
const INVALID: [string, Record<string, unknown>, string][] = [
	['name missing', { slug: 'x', url: base.url }, '/name'],
	['slug missing', { name: 'x', url: base.url }, '/slug'],
	['name empty', { ...base, name: '' }, '/name'],
	['name too long', { ...base, name: 'n'.repeat(201) }, '/name'],
	['slug uppercase', { ...base, slug: 'Bad' }, '/slug'],
	['slug too long', { ...base, slug: 'a'.repeat(65) }, '/slug'],
	['type unknown', { ...base, type: 'grpc' }, '/type'],
	['url missing', { name: 'x', slug: 'x' }, '/url'],
	['url relative', { ...base, url: 'api.example.com/hook' }, '/url'],
	['url not http', { ...base, url: 'ftp://api.example.com/hook' }, '/url'],
	['url with credentials', { ...base, url: 'https://user:pass@api.example.com/hook' }, '/url'],
	['url with a space', { ...base, url: 'https://api.example.com/a hook' }, '/url'],
	['url not a string', { ...base, url: 42 }, '/url'],
	['method GET', { ...base, method: 'GET' }, '/method'],
	['method lower case', { ...base, method: 'post' }, '/method'],
	['headers not an object', { ...base, headers: 'X-A: 1' }, '/headers'],
	['header name invalid', { ...base, headers: { 'bad name': 'x' } }, '/headers/bad name'],
	['header value not a string', { ...base, headers: { 'X-A': 1 } }, '/headers/X-A'],
	['header value with CRLF', { ...base, headers: { 'X-A': 'a\r\nX-B: b' } }, '/headers/X-A'],
	['header reserved', { ...base, headers: { Host: 'evil.example' } }, '/headers/Host'],
	['header twice', { ...base, headers: { 'X-A': '1', 'x-a': '2' } }, '/headers/x-a'],
	['too many headers', { ...base, headers: many(51) }, '/headers'],
	['timeout_ms too small', { ...base, timeout_ms: 999 }, '/timeout_ms'],
	['timeout_ms too big', { ...base, timeout_ms: 120001 }, '/timeout_ms'],
	['timeout_ms fractional', { ...base, timeout_ms: 1500.5 }, '/timeout_ms'],
	['auth_type unknown', { ...base, auth_type: 'oauth' }, '/auth_type'],
	['auth_config not an object', { ...base, auth_type: 'bearer', auth_config: 'token' }, '/auth_config'],
	['auth_config with auth_type none', { ...base, auth_config: { token: 'abcdefgh' } }, '/auth_config'],
	['bearer without auth_config', { ...base, auth_type: 'bearer' }, '/auth_config'],
	['bearer without token', { ...base, auth_type: 'bearer', auth_config: {} }, '/auth_config/token'],
	['bearer empty token', { ...base, auth_type: 'bearer', auth_config: { token: '' } }, '/auth_config/token'],
	['bearer token not a string', { ...base, auth_type: 'bearer', auth_config: { token: 5 } }, '/auth_config/token'],
	['bearer extra field', { ...base, auth_type: 'bearer', auth_config: { token: 't', scheme: 'x' } }, '/auth_config/scheme'],
	['basic without password', { ...base, auth_type: 'basic', auth_config: { username: 'u' } }, '/auth_config/password'],
	['basic without username', { ...base, auth_type: 'basic', auth_config: { password: 'p' } }, '/auth_config/username'],
	['basic username with colon', { ...base, auth_type: 'basic', auth_config: { username: 'a:b', password: 'p' } }, '/auth_config/username'],
	['api_key without key', { ...base, auth_type: 'api_key', auth_config: { header: 'X-Key' } }, '/auth_config/key'],
	['api_key bad header', { ...base, auth_type: 'api_key', auth_config: { header: 'X Key', key: 'k' } }, '/auth_config/header'],
	['custom without headers', { ...base, auth_type: 'custom', auth_config: {} }, '/auth_config/headers'],
	['custom empty headers', { ...base, auth_type: 'custom', auth_config: { headers: {} } }, '/auth_config/headers'],
	['custom bad header', { ...base, auth_type: 'custom', auth_config: { headers: { 'a b': 'x' } } }, '/auth_config/headers/a b'],
	['signing_config not an object', { ...base, signing_config: 'secret' }, '/signing_config'],
	['signing without secret', { ...base, signing_config: { algorithm: 'sha256' } }, '/signing_config/secret'],
	['signing secret too short', { ...base, signing_config: { secret: '1234567' } }, '/signing_config/secret'],
	['signing algorithm unknown', { ...base, signing_config: { secret: '12345678', algorithm: 'md5' } }, '/signing_config/algorithm'],
	['signing header invalid', { ...base, signing_config: { secret: '12345678', header: 'X Sig' } }, '/signing_config/header'],
	['signing prefix not a string', { ...base, signing_config: { secret: '12345678', prefix: 1 } }, '/signing_config/prefix'],
	['signing include_timestamp not boolean', { ...base, signing_config: { secret: '12345678', include_timestamp: 'yes' } }, '/signing_config/include_timestamp'],
	['signing timestamp header invalid', { ...base, signing_config: { secret: '12345678', timestamp_header: '' } }, '/signing_config/timestamp_header'],
	['signing headers clash', { ...base, signing_config: { secret: '12345678', include_timestamp: true, header: 'X-S', timestamp_header: 'x-s' } }, '/signing_config/timestamp_header'],
	['signing unknown field', { ...base, signing_config: { secret: '12345678', encoding: 'base64' } }, '/signing_config/encoding'],
	['retry_enabled not boolean', { ...base, retry_enabled: 1 }, '/retry_enabled'],
	['retry_max_attempts zero', { ...base, retry_max_attempts: 0 }, '/retry_max_attempts'],
	['retry_max_attempts eleven', { ...base, retry_max_attempts: 11 }, '/retry_max_attempts'],
	['retry_backoff_type unknown', { ...base, retry_backoff_type: 'random' }, '/retry_backoff_type'],
	['retry_intervals empty', { ...base, retry_intervals: [] }, '/retry_intervals'],
	['retry_intervals eleven items', { ...base, retry_intervals: Array(11).fill(60) }, '/retry_intervals'],
	['retry_intervals zero', { ...base, retry_intervals: [30, 0] }, '/retry_intervals/1'],
	['retry_intervals above a week', { ...base, retry_intervals: [604801] }, '/retry_intervals/0'],
	['retry_intervals fractional', { ...base, retry_intervals: [1.5] }, '/retry_intervals/0'],
	['retry_intervals not an array', { ...base, retry_intervals: '30,60' }, '/retry_intervals'],
	['circuit_breaker_enabled not boolean', { ...base, circuit_breaker_enabled: 'true' }, '/circuit_breaker_enabled'],
	['circuit_breaker_threshold zero', { ...base, circuit_breaker_threshold: 0 }, '/circuit_breaker_threshold'],
	['circuit_breaker_threshold too big', { ...base, circuit_breaker_threshold: 101 }, '/circuit_breaker_threshold'],
	['circuit_breaker_reset_ms too small', { ...base, circuit_breaker_reset_ms: 999 }, '/circuit_breaker_reset_ms'],
	['circuit_breaker_reset_ms too big', { ...base, circuit_breaker_reset_ms: 86400001 }, '/circuit_breaker_reset_ms'],
	['provider_config on http', { ...base, provider_config: { region: 'x' } }, '/provider_config'],
	['config alias on http', { ...base, config: { region: 'x' } }, '/config'],
	['status on create', { ...base, status: 'paused' }, '/status'],
	['misspelled field', { ...base, retry_max_attempt: 3 }, '/retry_max_attempt']
]

describe('POST /v1/destinations validation', () => {
	for (const [name, body, path] of INVALID) {
		it(`400 for ${name}, naming ${path}`, async () => {
			const res = await t.call('POST', '/v1/destinations', { body })
			expect(res.status).toBe(400)
			const json = (await res.json()) as { error: string; status: number; request_id: string; details: { path: string }[] }
			expect(json.status).toBe(400)
			expect(json.request_id).toMatch(/^req_[0-9a-f]{12}$/)
			expect(json.error).toStartWith('Invalid body: ')
			expect(json.details.map((d) => d.path)).toContain(path)
			expect(json.error).toContain(`'${path.slice(1).replaceAll('/', '.')}'`)
		})
	}

	it('accepts the boundaries', async () => {
		const res = await t.call('POST', '/v1/destinations', {
			body: {
				...base, slug: 'bounds', headers: many(50), timeout_ms: 1000, retry_max_attempts: 10, retry_intervals: Array(10).fill(604800),
				circuit_breaker_threshold: 100, circuit_breaker_reset_ms: 86400000, auth_type: 'none', auth_config: {}, provider_config: null,
				signing_config: { secret: '12345678', header: 'X-S', timestamp_header: 'x-s' }
			}
		})
		expect(res.status).toBe(201)
	})

	it('stores nothing when validation fails', async () => {
		await t.call('POST', '/v1/destinations', { body: { ...base, slug: 'never-stored', timeout_ms: 1 } })
		const list = (await (await t.call('GET', '/v1/destinations?limit=100')).json()) as { destinations: { slug: string }[] }
		expect(list.destinations.some((d) => d.slug === 'never-stored')).toBe(false)
	})
})
