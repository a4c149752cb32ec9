import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { newUserCode, normalizeUserCode } from '../../../src/accounts/device'
import { makeTestApp, type TestApp } from '../../helpers'
import { asUser, json } from '../../accounts-helpers'

let now = Date.parse('2026-03-01T12:00:00.000Z')
const clock = { now: () => now }
let t: TestApp
let member: Awaited<ReturnType<typeof asUser>>
beforeEach(async () => {
	now = Date.parse('2026-03-01T12:00:00.000Z')
	t = await makeTestApp({}, clock)
	member = await asUser(t, 'dev@example.com', 'member')
})
afterEach(async () => {
	await t.close()
})

const start = async () => json(await t.call('POST', '/v1/auth/device/code', { key: null }))
const poll = (device_code: string) => t.call('POST', '/v1/auth/device/token', { key: null, body: { device_code } })

describe('CLI device login', () => {
	it('code: {device_code, user_code XXXX-XXXX, verification_url, expires_in 900, interval 5}', async () => {
		const code = await start()
		expect(code.user_code).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/)
		expect(code.device_code).toMatch(/^[0-9a-f]{64}$/)
		expect(code).toMatchObject({ expires_in: 900, interval: 5, verification_url: `http://localhost/dashboard/cli-auth?code=${code.user_code}` })
	})

	it('code: at most 30 per client address per hour (429 with Retry-After), others unaffected, again after the hour', async () => {
		for (let i = 0; i < 30; i++) expect((await t.call('POST', '/v1/auth/device/code', { key: null, peerIp: '198.51.100.7' })).status).toBe(200)
		const refused = await t.call('POST', '/v1/auth/device/code', { key: null, peerIp: '198.51.100.7' })
		expect(refused.status).toBe(429)
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
		expect(await json(refused)).toMatchObject({ status: 429, error: expect.any(String), request_id: expect.any(String) })
		expect((await t.call('POST', '/v1/auth/device/code', { key: null, peerIp: '198.51.100.8' })).status).toBe(200)
		now += 3_600_001
		expect((await t.call('POST', '/v1/auth/device/code', { key: null, peerIp: '198.51.100.7' })).status).toBe(200)
	})

	it('code: an IPv6 client counts by its /64, so rotating addresses inside it does not reset the limit', async () => {
		for (let i = 1; i <= 30; i++) expect((await t.call('POST', '/v1/auth/device/code', { key: null, peerIp: `2001:db8:1:2::${i.toString(16)}` })).status).toBe(200)
		expect((await t.call('POST', '/v1/auth/device/code', { key: null, peerIp: '2001:db8:1:2:ffff:1:2:3' })).status).toBe(429)
		expect((await t.call('POST', '/v1/auth/device/code', { key: null, peerIp: '2001:db8:1:3::1' })).status).toBe(200)
	})

	it('a user code is taken as typed: any case, without the dash or with spaces', () => {
		for (const typed of ['wdjb-mjht', 'WDJBMJHT', ' wdjb mjht ', 'Wdjb - Mjht']) expect(normalizeUserCode(typed)).toBe('WDJB-MJHT')
		expect(normalizeUserCode('ABC')).toBe('ABC')
	})

	it('user codes never use O 0 I 1 L', () => {
		const all = Array.from({ length: 2000 }, newUserCode).join('')
		expect(all).not.toMatch(/[O0I1L]/)
		expect(new Set(all.replaceAll('-', '')).size).toBe(31)
	})

	it('pending until approved (slow_down when polled too fast), then the key once, for the approver\'s environment', async () => {
		const code = await start()
		const pending = await poll(code.device_code)
		expect(pending.status).toBe(400)
		expect(await json(pending)).toMatchObject({ error_code: 'authorization_pending', status: 400 })
		expect((await json(await poll(code.device_code))).error_code).toBe('slow_down')
		now += 5000
		const env = (await json(await member.call('GET', '/v1/me'))).environment.id
		const approved = await member.call('POST', '/v1/auth/device/approve', { body: { user_code: code.user_code.toLowerCase().replace('-', ' ') } })
		expect(approved.status).toBe(200)
		const token = await poll(code.device_code)
		expect(token.status).toBe(200)
		const body = await json(token)
		expect(body.api_key).toMatch(/^hs_live_[0-9a-f]{64}$/)
		expect(body).toMatchObject({ key_prefix: body.api_key.slice(0, 12), env_id: env })
		expect((await t.call('POST', '/v1/sources', { key: body.api_key, body: { name: 'cli', slug: 'cli' } })).status).toBe(201)
		// Once only.
		expect((await json(await poll(code.device_code))).error_code).toBe('invalid_grant')
		// And it is listed like any key.
		const owner = await asUser(t, 'owner@example.com', 'owner')
		const keys = (await json(await owner.call('GET', '/v1/auth/api-keys'))).api_keys
		expect(keys.some((k: { name: string; key_prefix: string }) => k.name === 'CLI (device login)' && k.key_prefix === body.key_prefix)).toBe(true)
	})

	it('codes expire after 15 minutes: expired_token on poll and on approval', async () => {
		const code = await start()
		now += 901_000
		expect((await json(await poll(code.device_code))).error_code).toBe('expired_token')
		const res = await member.call('POST', '/v1/auth/device/approve', { body: { user_code: code.user_code } })
		expect(res.status).toBe(400)
		expect((await json(res)).error_code).toBe('expired_token')
	})

	it('unknown codes: 404 on approval, invalid_grant on poll; approval needs a session', async () => {
		expect((await member.call('POST', '/v1/auth/device/approve', { body: { user_code: 'ABCD-EFGH' } })).status).toBe(404)
		expect((await json(await poll('f'.repeat(64)))).error_code).toBe('invalid_grant')
		const code = await start()
		expect((await t.call('POST', '/v1/auth/device/approve', { body: { user_code: code.user_code } })).status).toBe(403)
		expect((await t.call('POST', '/v1/auth/device/approve', { key: null, body: { user_code: code.user_code } })).status).toBe(401)
	})

	it('no key when the approver has left the organization before the poll', async () => {
		const code = await start()
		await member.call('POST', '/v1/auth/device/approve', { body: { user_code: code.user_code } })
		const owner = await asUser(t, 'owner@example.com', 'owner')
		const { members } = await json(await owner.call('GET', '/v1/members'))
		await owner.call('DELETE', `/v1/members/${members.find((m: { email: string }) => m.email === 'dev@example.com').id}`)
		expect((await json(await poll(code.device_code))).error_code).toBe('invalid_grant')
	})
})
