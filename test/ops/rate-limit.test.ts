import { afterEach, describe, expect, test } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { manualClock } from './rows'

let t: TestApp
afterEach(async () => t.close())

const headersOf = (res: Response) => [res.headers.get('ratelimit-limit'), res.headers.get('ratelimit-remaining'), res.headers.get('ratelimit-reset')]

describe('API rate limits', () => {
	test('per key: RateLimit-* on every answer, 429 with Retry-After past the limit, reset after the window', async () => {
		const clock = manualClock(Date.parse('2026-03-02T12:00:00.000Z'))
		t = await makeTestApp({ 'api-rate-limit': '3' }, clock)
		const first = await t.call('GET', '/v1/sources')
		expect(first.status).toBe(200)
		expect(headersOf(first)).toEqual(['3', '2', '60'])
		clock.advance(20_000)
		const missing = await t.call('GET', '/v1/sources/src_0123456789abcdef0123456789abcdef')
		expect(missing.status).toBe(404) // errors carry the headers too
		expect(headersOf(missing)).toEqual(['3', '1', '40'])
		expect(headersOf(await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'x' } }))).toEqual(['3', '0', '40'])
		const over = await t.call('GET', '/v1/sources')
		expect(over.status).toBe(429)
		expect(over.headers.get('retry-after')).toBe('40')
		expect(headersOf(over)).toEqual(['3', '0', '40'])
		expect(await over.json()).toMatchObject({ status: 429, error: expect.stringContaining('Rate limit'), request_id: expect.stringMatching(/^req_/) })

		const { key: other } = await t.ctx.keys.createKey('other')
		expect((await t.call('GET', '/v1/sources', { key: other })).status).toBe(200) // its own budget

		// Ingest and the health probes are not API calls: never limited.
		const src = ((await (await t.call('GET', '/v1/sources', { key: other })).json()) as { sources: { id: string }[] }).sources[0]?.id
		for (let i = 0; i < 5; i++) expect((await t.call('POST', `/v1/ingest/${src}`, { body: { i }, key: null })).status).toBe(200)
		expect((await t.call('GET', '/healthz', { key: null })).status).toBe(200)

		clock.advance(40_000)
		const again = await t.call('GET', '/v1/sources')
		expect(again.status).toBe(200)
		expect(headersOf(again)).toEqual(['3', '2', '60'])
	})

	test('the default is generous', async () => {
		t = await makeTestApp()
		const res = await t.call('GET', '/v1/sources')
		expect(res.headers.get('ratelimit-limit')).toBe('6000')
	})
})
