import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { AuthContext } from '../../src/auth/service'
import { SEARCH_BOUNDS, EventsService } from '../../src/events/service'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
let auth: AuthContext
let src: string
const sent: string[] = []
let now = Date.parse('2026-03-01T12:00:00.000Z')

beforeAll(async () => {
	t = await makeTestApp({}, { now: () => now })
	auth = await t.ctx.keys.authenticate(t.key)
	src = ((await (await t.call('POST', '/v1/sources', { body: { name: 'search', slug: 'search' } })).json()) as { source: { id: string } }).source.id
	for (let i = 0; i < 50; i++) {
		now += 1000
		// Every event says "common"; only the oldest says "needle-oldest"; event 40 hides its word past 4 KB.
		const extra = i === 0 ? ',"w":"needle-oldest"' : i === 40 ? `,"pad":"${'x'.repeat(5000)}","w":"needle-deep"` : ''
		const res = await t.call('POST', `/v1/ingest/${src}`, { key: null, body: `{"i":${i},"w2":"Common"${extra}}` })
		sent.push(((await res.json()) as { event_id: string }).event_id)
	}
})
afterAll(() => t.close())

type Page = { events: { id: string }[]; pagination: { total: number; has_more: boolean; next_cursor: string | null; prev_cursor: string | null } }
const newestFirst = () => [...sent].reverse()

describe('GET /v1/events?search= over a bounded window', () => {
	it('finds body text (ASCII case-insensitive) and id prefixes', async () => {
		const page = (await (await t.call('GET', '/v1/events?search=needle-oldest')).json()) as Page
		expect(page.events.map((e) => e.id)).toEqual([sent[0] as string])
		const all = (await (await t.call('GET', '/v1/events?search=COMMON&limit=100')).json()) as Page
		expect(all.events.map((e) => e.id)).toEqual(newestFirst())
		expect(all.pagination).toMatchObject({ total: 50, has_more: false, next_cursor: null })
		const byId = (await (await t.call('GET', `/v1/events?search=${sent[7]?.slice(0, 34)}`)).json()) as Page
		expect(byId.events.map((e) => e.id)).toContain(sent[7] as string)
	})

	it('compares only the first 4 KB of each body', async () => {
		expect(SEARCH_BOUNDS.prefixBytes).toBe(4096)
		const page = (await (await t.call('GET', '/v1/events?search=needle-deep')).json()) as Page
		expect(page.pagination.total).toBe(0)
	})

	it('examines at most the window, and next_cursor carries the search past it', async () => {
		const bounds = { window: 20, chunk: 7, prefixBytes: 4096 }
		const found = await t.ctx.store.events.search({ envId: auth.envId }, { id: null, order: 'desc', back: false }, 'common', bounds)
		expect(found.scanned).toBe(20)
		expect(found.ids).toEqual(newestFirst().slice(0, 20))
		expect(found.cutAt).toBe(newestFirst()[19] as string)

		const events = new EventsService(t.ctx.store.events, bounds)
		// The oldest event is outside the newest 20: not found on the first request...
		const first = await events.list(auth, { search: 'needle-oldest' })
		expect(first.events).toEqual([])
		expect(first.pagination).toMatchObject({ total: 0, has_more: true })
		// ...found by following next_cursor (three windows of 20 cover the 50 events).
		let page = first
		const seen: string[] = []
		let requests = 1
		while (page.pagination.next_cursor) {
			page = await events.list(auth, { search: 'needle-oldest', cursor: page.pagination.next_cursor })
			seen.push(...page.events.map((e) => e.id))
			requests++
		}
		expect(seen).toEqual([sent[0] as string])
		expect(requests).toBe(3)
		// `before` moves the window back in time.
		const before = new Date(Date.parse('2026-03-01T12:00:00.000Z') + 5_500).toISOString()
		expect((await events.list(auth, { search: 'needle-oldest', before })).events.map((e) => e.id)).toEqual([sent[0] as string])
	})

	it('pages through every match of the window without gaps, and back', async () => {
		const events = new EventsService(t.ctx.store.events, { window: 20, chunk: 7, prefixBytes: 4096 })
		const seen: string[] = []
		let page = await events.list(auth, { search: 'common', limit: 6 })
		seen.push(...page.events.map((e) => e.id))
		while (page.pagination.next_cursor) {
			page = await events.list(auth, { search: 'common', limit: 6, cursor: page.pagination.next_cursor })
			seen.push(...page.events.map((e) => e.id))
		}
		expect(seen).toEqual(newestFirst())
		const back = await events.list(auth, { search: 'common', limit: 6, cursor: page.pagination.prev_cursor ?? '' })
		expect(back.events.map((e) => e.id)).toEqual(newestFirst().slice(42, 48))
	})

	it('lets the event loop run between chunks', async () => {
		const events = new EventsService(t.ctx.store.events, { window: 50, chunk: 5, prefixBytes: 4096 })
		let done = false
		const search = events.list(auth, { search: 'common' }).then(() => {
			done = true
		})
		await new Promise((resolve) => setImmediate(resolve))
		expect(done).toBe(false)
		await search
		expect(done).toBe(true)
	})
})
