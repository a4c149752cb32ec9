import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

const base = { name: 'Checks', url: 'https://api.example.com/hook' }
let n = 0
const slug = () => `checks-${++n}`

type Envelope = { error: string; status: number; request_id: string; details?: { path: string }[] }
type Dst = Record<string, unknown> & { id: string }

async function refused(method: string, path: string, body: unknown, pointer: string): Promise<Envelope> {
	const res = await t.call(method, path, { body })
	const json = (await res.json()) as Envelope
	expect({ status: res.status, json }).toMatchObject({ status: 400, json: { status: 400, request_id: expect.stringMatching(/^req_/) } })
	expect(json.details?.map((d) => d.path)).toContain(pointer)
	expect(json.error).toContain(`'${pointer.slice(1).replaceAll('/', '.')}'`)
	return json
}

async function create(body: Record<string, unknown>): Promise<Dst> {
	const res = await t.call('POST', '/v1/destinations', { body: { ...base, slug: slug(), ...body } })
	const json = (await res.json()) as { destination: Dst }
	expect(res.status).toBe(201)
	return json.destination
}

describe('L4: auth_config values that cannot go into a header are refused at write time', () => {
	const CONTROL: [string, string, Record<string, unknown>, string][] = [
		['bearer token with CRLF', 'bearer', { token: 'abc\r\nX-Injected: 1' }, '/auth_config/token'],
		['bearer token with LF', 'bearer', { token: 'abc\ndef' }, '/auth_config/token'],
		['bearer token with NUL', 'bearer', { token: 'abc\0def' }, '/auth_config/token'],
		['basic username with CR', 'basic', { username: 'u\r', password: 'p' }, '/auth_config/username'],
		['basic password with LF', 'basic', { username: 'u', password: 'p\n' }, '/auth_config/password'],
		['api_key key with NUL', 'api_key', { header: 'X-Key', key: 'k\0' }, '/auth_config/key'],
		['custom header value with CRLF', 'custom', { headers: { 'X-Token': 'a\r\nb' } }, '/auth_config/headers/X-Token']
	]
	for (const [name, type, config, pointer] of CONTROL) {
		it(`POST: 400 for ${name}, naming ${pointer}`, async () => {
			await refused('POST', '/v1/destinations', { ...base, slug: slug(), auth_type: type, auth_config: config }, pointer)
		})
	}

	it('PATCH: 400 too, and the stored credentials stay as they were', async () => {
		const dst = await create({ auth_type: 'bearer', auth_config: { token: 'good-token-1234' } })
		await refused('PATCH', `/v1/destinations/${dst.id}`, { auth_config: { token: 'bad\r\ntoken' } }, '/auth_config/token')
		const target = await t.ctx.destinations.resolveForDelivery(dst.id)
		expect(target?.auth).toEqual({ type: 'bearer', config: { token: 'good-token-1234' } })
	})
})

describe('L4: a signing header that collides with the auth header is refused', () => {
	const signing = (header: string, extra: Record<string, unknown> = {}) => ({ secret: 'sign-secret-1234', header, ...extra })
	const CLASH: [string, Record<string, unknown>, string][] = [
		['bearer vs Authorization', { auth_type: 'bearer', auth_config: { token: 'tok-1234' }, signing_config: signing('Authorization') }, '/signing_config/header'],
		['basic vs authorization (case-insensitive)', { auth_type: 'basic', auth_config: { username: 'u', password: 'p' }, signing_config: signing('AUTHORIZATION') }, '/signing_config/header'],
		['api_key header', { auth_type: 'api_key', auth_config: { header: 'X-Api-Key', key: 'k-1234' }, signing_config: signing('x-api-key') }, '/signing_config/header'],
		['custom header', { auth_type: 'custom', auth_config: { headers: { 'X-Secret': 's-1234' } }, signing_config: signing('X-Secret') }, '/signing_config/header'],
		['timestamp header vs auth header', { auth_type: 'api_key', auth_config: { key: 'k-1234' }, signing_config: signing('X-Sig', { include_timestamp: true, timestamp_header: 'X-API-Key' }) }, '/signing_config/timestamp_header']
	]
	for (const [name, body, pointer] of CLASH) {
		it(`POST: 400 for ${name}`, async () => {
			await refused('POST', '/v1/destinations', { ...base, slug: slug(), ...body }, pointer)
		})
	}

	it('PATCH: refused whichever side changes', async () => {
		const dst = await create({ auth_type: 'bearer', auth_config: { token: 'tok-1234' } })
		await refused('PATCH', `/v1/destinations/${dst.id}`, { signing_config: signing('authorization') }, '/signing_config/header')
		const signed = await create({ signing_config: signing('X-Api-Key') })
		await refused('PATCH', `/v1/destinations/${signed.id}`, { auth_type: 'api_key', auth_config: { key: 'k-1234' } }, '/signing_config/header')
		expect((await t.ctx.destinations.resolveForDelivery(signed.id))?.auth.type).toBe('none')
	})

	it('accepts distinct headers, and a timestamp header named like the auth header when timestamps are off', async () => {
		await create({ auth_type: 'bearer', auth_config: { token: 'tok-1234' }, signing_config: signing('X-Signature') })
		await create({ auth_type: 'api_key', auth_config: { key: 'k-1234' }, signing_config: signing('X-Sig', { timestamp_header: 'X-API-Key' }) })
	})
})

describe('reference: timeout (seconds) is an alias of timeout_ms', () => {
	it('POST with timeout stores timeout_ms and answers both', async () => {
		const dst = await create({ timeout: 12 })
		expect(dst).toMatchObject({ timeout_ms: 12000, timeout: 12 })
		expect((await t.ctx.destinations.resolveForDelivery(dst.id))?.row.timeout_ms).toBe(12000)
	})

	it('the default is answered in both forms', async () => {
		expect(await create({})).toMatchObject({ timeout_ms: 30000, timeout: 30 })
	})

	it('PATCH with timeout changes timeout_ms; GET answers both', async () => {
		const dst = await create({ timeout_ms: 5000 })
		const res = await t.call('PATCH', `/v1/destinations/${dst.id}`, { body: { timeout: 45 } })
		expect(res.status).toBe(200)
		const got = (await (await t.call('GET', `/v1/destinations/${dst.id}`)).json()) as { destination: Dst }
		expect(got.destination).toMatchObject({ timeout_ms: 45000, timeout: 45 })
	})

	it('both sent and agreeing is accepted; disagreeing is a 400 naming timeout', async () => {
		expect(await create({ timeout: 7, timeout_ms: 7000 })).toMatchObject({ timeout_ms: 7000 })
		await refused('POST', '/v1/destinations', { ...base, slug: slug(), timeout: 7, timeout_ms: 8000 }, '/timeout')
	})

	it('out of range or fractional seconds are refused', async () => {
		await refused('POST', '/v1/destinations', { ...base, slug: slug(), timeout: 0 }, '/timeout')
		await refused('POST', '/v1/destinations', { ...base, slug: slug(), timeout: 121 }, '/timeout')
		await refused('POST', '/v1/destinations', { ...base, slug: slug(), timeout: 1.5 }, '/timeout')
	})
})
