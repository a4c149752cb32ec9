import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'

let now = Date.parse('2026-03-01T12:00:00.000Z')
let t: TestApp
let a: string
let b: string
const sent: string[] = []

beforeAll(async () => {
	t = await makeTestApp({ 'retention-days': '7' }, { now: () => now })
	const mk = async (slug: string, extra = {}) =>
		((await (await t.call('POST', '/v1/sources', { body: { name: slug, slug, ...extra } })).json()) as { source: { id: string } }).source.id
	a = await mk('alpha', { dedup_strategy: 'payload_hash' })
	b = await mk('beta')
	for (let i = 0; i < 30; i++) {
		now += 1000
		const id = i % 3 === 0 ? b : a
		const body = i === 29 ? '{"n":28,"needle":"haystack-marker"}' : `{"n":${i % 10}}`
		const res = await t.call(i % 2 ? 'PUT' : 'POST', `/v1/ingest/${id}`, { key: null, body, headers: { 'content-type': 'application/json' } })
		sent.push(((await res.json()) as { event_id: string }).event_id)
	}
})
afterAll(() => t.close())

type Page = { events: { id: string; source_id: string; method: string; dedup_status: string; received_at: string }[]; pagination: { total: number; limit: number; offset: number; has_more: boolean; next_cursor: string | null; prev_cursor: string | null } }
const list = async (q: string): Promise<Page> => (await (await t.call('GET', `/v1/events${q}`)).json()) as Page

describe('GET /v1/events', () => {
	it('lists newest first with the pagination object', async () => {
		const page = await list('')
		expect(page.events.map((e) => e.id)).toEqual([...sent].reverse())
		expect(page.pagination).toEqual({ total: 30, limit: 50, offset: 0, has_more: false, next_cursor: null, prev_cursor: null })
		expect(Object.keys(page.events[0] ?? {}).sort()).toEqual(['content_type', 'dedup_status', 'env_id', 'id', 'method', 'org_id', 'payload_size', 'received_at', 'source_id', 'source_ip', 'source_name', 'source_slug', 'status', 'verification_status'])
	})

	it('pages by cursor without gaps or duplicates', async () => {
		const seen: string[] = []
		let cursor: string | null = null
		do {
			const page: Page = await list(`?limit=7${cursor ? `&cursor=${cursor}` : ''}`)
			seen.push(...page.events.map((e) => e.id))
			expect(page.pagination.total).toBe(30)
			cursor = page.pagination.next_cursor
		} while (cursor)
		expect(seen).toEqual([...sent].reverse())
	})

	it('pages by offset', async () => {
		const page = await list('?limit=10&offset=25')
		expect(page.events.map((e) => e.id)).toEqual([...sent].reverse().slice(25))
		expect(page.pagination).toMatchObject({ offset: 25, limit: 10, has_more: false })
	})

	it('filters by source, method, dedup status, time and search', async () => {
		expect((await list(`?source_id=${b}`)).pagination.total).toBe(10)
		const puts = (await list('?method=put')).events
		expect(puts.length).toBeGreaterThan(0)
		expect(puts.every((e) => e.method === 'PUT')).toBe(true)
		expect((await list('?method=PUT')).pagination.total).toBe(15)
		const dups = await list('?dedup_status=duplicate')
		expect(dups.pagination.total).toBeGreaterThan(0)
		expect(dups.events.length).toBeGreaterThan(0)
		expect(dups.events.every((e) => e.source_id === a)).toBe(true)
		const after = new Date(Date.parse('2026-03-01T12:00:00.000Z') + 25_000).toISOString()
		expect((await list(`?after=${after}`)).pagination.total).toBe(6)
		expect((await list(`?before=${after}`)).pagination.total).toBe(24)
		expect((await list('?search=haystack-marker')).events.map((e) => e.id)).toEqual([sent[29] as string])
		// LIKE wildcards are literal: '%' matches nothing here, it does not match everything.
		expect((await list('?search=%25')).pagination.total).toBe(0)
		expect((await list('?search=_')).pagination.total).toBe(0)
		expect((await list(`?search=${(sent[3] as string).slice(0, 30)}`)).events.map((e) => e.id)).toContain(sent[3] as string)
		expect((await list('?status=no_route')).pagination.total).toBe(30)
		expect((await list('?status=delivered')).pagination.total).toBe(0)
	})

	it('403 when the query names another org or environment', async () => {
		expect((await t.call('GET', '/v1/events?env_id=env_other')).status).toBe(403)
		expect((await t.call('GET', '/v1/events?org_id=org_other')).status).toBe(403)
		expect((await t.call('GET', '/v1/delivery-attempts?env_id=env_other')).status).toBe(403)
	})

	it('serves raw bodies as attachments that cannot render', async () => {
		const raw = await t.call('GET', `/v1/events/${sent[0]}/raw`)
		expect(raw.headers.get('x-content-type-options')).toBe('nosniff')
		expect(raw.headers.get('content-disposition')).toStartWith('attachment')
		expect(raw.headers.get('content-security-policy')).toContain('sandbox')
	})

	it('400 for bad filters', async () => {
		for (const q of ['?limit=101', '?status=lost', '?verification_status=maybe', '?after=yesterday', '?after=1', '?before=March%207', '?cursor=abc', '?offset=-1', '?limt=5']) {
			const res = await t.call('GET', `/v1/events${q}`)
			expect({ q, status: res.status }).toEqual({ q, status: 400 })
		}
	})

	it('404 for unknown events and for other tenants; lists are scoped', async () => {
		expect((await t.call('GET', '/v1/events/evt_00000000000000000000000000000000')).status).toBe(404)
		const other = await otherTenantKey(t)
		const res = await t.call('GET', `/v1/events/${sent[0]}`, { key: other.key })
		expect(res.status).toBe(404)
		expect(await res.json()).toMatchObject({ error: 'Event not found' })
		expect((await t.call('GET', `/v1/events/${sent[0]}/raw`, { key: other.key })).status).toBe(404)
		const theirs = (await (await t.call('GET', '/v1/events', { key: other.key })).json()) as Page
		expect(theirs.pagination.total).toBe(0)
	})
})

describe('retention', () => {
	it('purges events older than retention-days, and expired dedup keys', async () => {
		const before = (await list('')).pagination.total
		now += 7 * 86_400_000 - 9_500 // the last 10 events are still inside the 7 days
		await t.ctx.retention.sweep()
		const after = await list('')
		expect(after.pagination.total).toBe(10)
		expect(before).toBe(30)
		// The large-body side table is purged with its events.
		now += 86_400_000
		await t.ctx.retention.sweep()
		expect((await list('')).pagination.total).toBe(0)
		// A payload that was a duplicate before is unique once its key expired and was purged.
		const res = await t.call('POST', `/v1/ingest/${a}`, { key: null, body: '{"n":1}', headers: { 'content-type': 'application/json' } })
		const e = ((await (await t.call('GET', `/v1/events/${((await res.json()) as { event_id: string }).event_id}`)).json()) as { event: { dedup_status: string } }).event
		expect(e.dedup_status).toBe('unique')
	})
})
