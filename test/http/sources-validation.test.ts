import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

const base = { name: 'Valid', slug: 'valid' }

/** [case, body, JSON pointer the 400 must name] */
const INVALID: [string, Record<string, unknown>, string][] = [
	['name missing', { slug: 'x' }, '/name'],
	['slug missing', { name: 'x' }, '/slug'],
	['name empty', { ...base, name: '' }, '/name'],
	['name too long', { ...base, name: 'n'.repeat(201) }, '/name'],
	['name not a string', { ...base, name: 42 }, '/name'],
	['slug uppercase', { ...base, slug: 'Bad' }, '/slug'],
	['slug with space', { ...base, slug: 'a b' }, '/slug'],
	['slug too long', { ...base, slug: 'a'.repeat(65) }, '/slug'],
	['slug empty', { ...base, slug: '' }, '/slug'],
	['description not a string', { ...base, description: 5 }, '/description'],
	['unknown template', { ...base, template: 'nope' }, '/template'],
	['type not in enum', { ...base, type: 'grpc' }, '/type'],
	['source_config not an object', { ...base, source_config: 'x' }, '/source_config'],
	['verification_enabled not boolean', { ...base, verification_enabled: 'yes' }, '/verification_enabled'],
	['verification_type unknown', { ...base, verification_type: 'md5', verification_secret: 's' }, '/verification_type'],
	['verification_type without secret', { ...base, verification_type: 'hmac_sha256' }, '/verification_secret'],
	['verification enabled without type', { ...base, verification_enabled: true, verification_secret: 's' }, '/verification_type'],
	['verification_secret empty', { ...base, verification_type: 'hmac_sha256', verification_secret: '' }, '/verification_secret'],
	['verification_header not a header name', { ...base, verification_header: 'bad header' }, '/verification_header'],
	['dedup_enabled not boolean', { ...base, dedup_enabled: 1 }, '/dedup_enabled'],
	['dedup_strategy unknown', { ...base, dedup_strategy: 'random' }, '/dedup_strategy'],
	['header_field without dedup_field', { ...base, dedup_strategy: 'header_field' }, '/dedup_field'],
	['body_field without dedup_field', { ...base, dedup_strategy: 'body_field' }, '/dedup_field'],
	['header_field with a non-header', { ...base, dedup_strategy: 'header_field', dedup_field: 'a b' }, '/dedup_field'],
	['dedup_window_seconds negative', { ...base, dedup_window_seconds: -1 }, '/dedup_window_seconds'],
	['dedup_window_seconds too big', { ...base, dedup_window_seconds: 604801 }, '/dedup_window_seconds'],
	['dedup_window_seconds fractional', { ...base, dedup_window_seconds: 1.5 }, '/dedup_window_seconds'],
	['dedup_window_seconds string', { ...base, dedup_window_seconds: '300' }, '/dedup_window_seconds'],
	['ip_allowlist not an array', { ...base, ip_allowlist: '10.0.0.0/8' }, '/ip_allowlist'],
	['ip_allowlist bad entry', { ...base, ip_allowlist: ['10.0.0.0/8', '999.1.1.1'] }, '/ip_allowlist/1'],
	['ip_allowlist bad prefix', { ...base, ip_allowlist: ['10.0.0.0/33'] }, '/ip_allowlist/0'],
	['ip_denylist bad entry', { ...base, ip_denylist: ['not-an-ip'] }, '/ip_denylist/0'],
	['ip_denylist bad v6', { ...base, ip_denylist: ['2001:db8::/129'] }, '/ip_denylist/0'],
	['schema validation without schema', { ...base, schema_validation_enabled: true }, '/json_schema'],
	['json_schema invalid', { ...base, json_schema: { type: 'no-such-type' } }, '/json_schema'],
	['json_schema with a catastrophic pattern', { ...base, json_schema: { type: 'array', items: { type: 'string', pattern: '^(a+)+$' } } }, '/json_schema'],
	['json_schema too large', { ...base, json_schema: { type: 'object', description: 'x'.repeat(70000) } }, '/json_schema'],
	['verification_type without secret, verification off', { ...base, verification_enabled: false, verification_type: 'stripe' }, '/verification_secret'],
	['schema_action unknown', { ...base, schema_action: 'drop' }, '/schema_action'],
	['misspelled field', { ...base, descripton: 'x' }, '/descripton']
]

describe('POST /v1/sources validation', () => {
	for (const [name, body, path] of INVALID) {
		it(`400 for ${name}, naming ${path}`, async () => {
			const res = await t.call('POST', '/v1/sources', { body })
			expect(res.status).toBe(400)
			const json = (await res.json()) as { error: string; status: number; request_id: string; details: { path: string }[] }
			expect(json.status).toBe(400)
			expect(json.request_id).toMatch(/^req_[0-9a-f]{12}$/)
			expect(json.error).toStartWith('Invalid body: ')
			expect(json.details.map((d) => d.path)).toContain(path)
			expect(json.error).toContain(`'${path.slice(1).replaceAll('/', '.')}'`)
		})
	}

	it('words the slug error as the reference does', async () => {
		const res = await t.call('POST', '/v1/sources', { body: { ...base, slug: 'Not OK' } })
		expect(((await res.json()) as { error: string }).error).toBe("Invalid body: 'slug' must match pattern ^[a-z0-9-]+$")
	})

	it('accepts IPv6, CIDR and IPv4-mapped entries', async () => {
		const res = await t.call('POST', '/v1/sources', { body: { ...base, slug: 'ips', ip_allowlist: ['2001:db8::/32', '::ffff:10.0.0.1', '192.168.0.0/16', '::1'] } })
		expect(res.status).toBe(201)
	})

	it('stores nothing when validation fails', async () => {
		await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'never-stored', dedup_window_seconds: -1 } })
		const list = (await (await t.call('GET', '/v1/sources?limit=100')).json()) as { sources: { slug: string }[] }
		expect(list.sources.some((s) => s.slug === 'never-stored')).toBe(false)
	})
})
