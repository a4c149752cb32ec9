import { afterEach, describe, expect, test } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { manualClock } from './rows'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by value
type Json = any
let t: TestApp
afterEach(async () => t.close())

describe('per-source rate_limit_per_second', () => {
	test('429 with Retry-After above the rate, nothing stored; other sources untouched; PATCH null lifts it', async () => {
		const clock = manualClock(Date.parse('2026-03-02T12:00:00.000Z'))
		t = await makeTestApp({}, clock)
		const created = await t.call('POST', '/v1/sources', { body: { name: 'L', slug: 'l', rate_limit_per_second: 2 } })
		expect(created.status).toBe(201)
		const src: Json = ((await created.json()) as Json).source
		expect(src.rate_limit_per_second).toBe(2)
		const free: Json = ((await (await t.call('POST', '/v1/sources', { body: { name: 'F', slug: 'f' } })).json()) as Json).source
		expect(free.rate_limit_per_second).toBeNull()
		const ingest = (id: string, n: number) => t.call('POST', `/v1/ingest/${id}`, { body: { n }, key: null })

		expect((await ingest(src.id, 1)).status).toBe(200)
		expect((await ingest(src.id, 2)).status).toBe(200)
		const over = await ingest(src.id, 3)
		expect(over.status).toBe(429)
		expect(over.headers.get('retry-after')).toBe('1')
		expect(await over.json()).toMatchObject({ status: 429, request_id: expect.stringMatching(/^req_/) })
		for (let i = 0; i < 5; i++) expect((await ingest(free.id, i)).status).toBe(200)

		clock.advance(500) // one token back at 2/s
		expect((await ingest(src.id, 4)).status).toBe(200)
		expect((await ingest(src.id, 5)).status).toBe(429)
		await t.ctx.drainWrites()
		const stored: Json = await (await t.call('GET', `/v1/events?source_id=${src.id}`)).json()
		expect(stored.events).toHaveLength(3)

		const patched = await t.call('PATCH', `/v1/sources/${src.id}`, { body: { rate_limit_per_second: null } })
		expect(((await patched.json()) as Json).source.rate_limit_per_second).toBeNull()
		for (let i = 0; i < 5; i++) expect((await ingest(src.id, 10 + i)).status).toBe(200)
		await t.call('PATCH', `/v1/sources/${src.id}`, { body: { rate_limit_per_second: 1 } })
		expect((await ingest(src.id, 20)).status).toBe(200)
		expect((await ingest(src.id, 21)).status).toBe(429)
	})

	test('limits survive a restart (loaded from the database); bad values are 400', async () => {
		t = await makeTestApp()
		for (const v of [0, -1, 1.5, 'fast']) {
			const res = await t.call('POST', '/v1/sources', { body: { name: 'x', slug: 'x', rate_limit_per_second: v } })
			expect(res.status).toBe(400)
			expect(await res.text()).toContain('rate_limit_per_second')
		}
		const src: Json = ((await (await t.call('POST', '/v1/sources', { body: { name: 'R', slug: 'r', rate_limit_per_second: 1 } })).json()) as Json).source
		const { SourceRateLimits } = await import('../../src/ingest/rate-limit')
		const fresh = new SourceRateLimits(t.ctx.store.sources, { now: () => 0 })
		await fresh.load()
		expect(fresh.size).toBe(1)
		expect(fresh.retryAfter(src.id)).toBe(0)
		expect(fresh.retryAfter(src.id)).toBe(1)
	})
})
