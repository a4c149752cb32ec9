import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { DEFAULT_SNS_HOST_PATTERN, hostPatternProblem, snsHostPattern, trustedSnsUrl } from '../../../src/verify/aws-sns'
import { makeTestApp, type TestApp } from '../../helpers'

/** Catastrophic on a backtracking engine: each takes seconds (or far longer) on a long hostname. */
const DANGEROUS = ['^(a+)+$', '^([a-z]+)*\\.example\\.com$', '^(a|aa)+$', '^[a-z]*[a-z]*[a-z]*[a-z]*x', '^(\\w)\\1+$', '^(?=a+)a+$', '^(?:a{1,9}){1,9}$', '^(a|b|c|d|e)?x$']

describe('cert_host_pattern (a user regex run on a sender-chosen host)', () => {
	it('accepts the default and plain host patterns', () => {
		for (const p of [DEFAULT_SNS_HOST_PATTERN, '^127\\.0\\.0\\.1$', '^sns\\.[a-z0-9-]+\\.amazonaws\\.com$', '^(sns\\.[a-z0-9-]+\\.amazonaws\\.com|localhost)$', '^[a-z]+\\.[a-z0-9.-]+$']) {
			expect(hostPatternProblem(p)).toBeNull()
		}
	})

	it('refuses repeated groups, backreferences, lookarounds and too many repeats or alternatives', () => {
		for (const p of DANGEROUS) expect(hostPatternProblem(p)).toEqual(expect.any(String))
		expect(hostPatternProblem('(')).toBe('is not a valid regular expression')
		expect(hostPatternProblem(`^${'a'.repeat(201)}$`)).toEqual(expect.stringContaining('200'))
	})

	it('never runs a refused pattern, even one already stored, and bounds the host it is run on', () => {
		const host = `${'a'.repeat(40)}!`
		const started = performance.now()
		for (const p of DANGEROUS) expect(trustedSnsUrl(`https://${host}/cert.pem`, snsHostPattern({ cert_host_pattern: p }), true)).toBeNull()
		expect(performance.now() - started).toBeLessThan(500)
		const long = `${'a'.repeat(250)}.example.com`
		expect(trustedSnsUrl(`https://${long}/c.pem`, snsHostPattern({ cert_host_pattern: '^[a-z.]+$' }), true)).toBeNull()
		expect(trustedSnsUrl('https://sns.us-east-1.amazonaws.com/c.pem', snsHostPattern({}), true)?.hostname).toBe('sns.us-east-1.amazonaws.com')
	})
})

describe('sources refuse a dangerous cert_host_pattern', () => {
	let t: TestApp
	beforeAll(async () => {
		t = await makeTestApp()
	})
	afterAll(() => t.close())

	it('on create and update: 400 naming the field, nothing stored', async () => {
		const body = { name: 'sns', slug: 'sns', template: 'aws-sns', verification_secret: 'arn:aws:sns:us-east-1:1:t', verification_config: { cert_host_pattern: '^(a+)+$' } }
		const res = await t.call('POST', '/v1/sources', { body })
		expect(res.status).toBe(400)
		const err = (await res.json()) as Record<string, any>
		expect(err).toMatchObject({ status: 400, request_id: expect.any(String), details: [{ path: '/verification_config/cert_host_pattern' }] })
		expect((await t.call('POST', '/v1/sources', { body: { ...body, verification_config: { cert_host_pattern: 7 } } })).status).toBe(400)
		const ok = await t.call('POST', '/v1/sources', { body: { ...body, verification_config: undefined } })
		expect(ok.status).toBe(201)
		const { source } = (await ok.json()) as { source: { id: string } }
		const patch = await t.call('PATCH', `/v1/sources/${source.id}`, { body: { verification_config: { cert_host_pattern: '^([a-z]+)*$' } } })
		expect(patch.status).toBe(400)
		const stored = (await (await t.call('GET', `/v1/sources/${source.id}`)).json()) as { source: { verification_config: string } }
		expect(JSON.parse(stored.source.verification_config).cert_host_pattern).toBe(DEFAULT_SNS_HOST_PATTERN)
	})
})
