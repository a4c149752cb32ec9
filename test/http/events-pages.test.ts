import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
const sent: string[] = []
type Page = { events: { id: string }[]; pagination: { total: number; has_more: boolean; next_cursor: string | null; prev_cursor: string | null } }
const list = async (q: string): Promise<Page> => {
	const res = await t.call('GET', `/v1/events?${q}`)
	expect(res.status).toBe(200)
	return (await res.json()) as Page
}

beforeAll(async () => {
	t = await makeTestApp()
	const src = ((await (await t.call('POST', '/v1/sources', { body: { name: 'pages', slug: 'pages' } })).json()) as { source: { id: string } }).source.id
	for (let i = 0; i < 23; i++) {
		const res = await t.call('POST', `/v1/ingest/${src}`, { key: null, body: `{"i":${i}}` })
		sent.push(((await res.json()) as { event_id: string }).event_id)
	}
})
afterAll(() => t.close())

/** Walks forward with next_cursor to the end, then back with prev_cursor to the start. */
async function walk(direction: string) {
	const forward: string[][] = []
	let page = await list(`limit=5&direction=${direction}`)
	expect(page.pagination.prev_cursor).toBeNull()
	forward.push(page.events.map((e) => e.id))
	while (page.pagination.next_cursor) {
		page = await list(`limit=5&direction=${direction}&cursor=${page.pagination.next_cursor}`)
		expect(page.pagination.prev_cursor).not.toBeNull()
		forward.push(page.events.map((e) => e.id))
	}
	expect(page.pagination.has_more).toBe(false)
	const back: string[][] = [page.events.map((e) => e.id)]
	while (page.pagination.prev_cursor) {
		page = await list(`limit=5&direction=${direction}&cursor=${page.pagination.prev_cursor}`)
		expect(page.pagination.has_more).toBe(true)
		expect(page.pagination.next_cursor).not.toBeNull()
		back.unshift(page.events.map((e) => e.id))
	}
	return { forward, back }
}

describe('GET /v1/events cursor pagination both ways', () => {
	it('walks newest first (default desc) forward and back over the same pages', async () => {
		const { forward, back } = await walk('desc')
		expect(forward.flat()).toEqual([...sent].reverse())
		expect(forward.map((p) => p.length)).toEqual([5, 5, 5, 5, 3])
		expect(back).toEqual(forward)
	})

	it('walks oldest first with direction=asc forward and back', async () => {
		const { forward, back } = await walk('asc')
		expect(forward.flat()).toEqual(sent)
		expect(back).toEqual(forward)
	})

	it('a page reached by offset links back to the page before it', async () => {
		const page = await list('limit=5&offset=5')
		expect(page.events.map((e) => e.id)).toEqual([...sent].reverse().slice(5, 10))
		const prev = await list(`limit=5&cursor=${page.pagination.prev_cursor}`)
		expect(prev.events.map((e) => e.id)).toEqual([...sent].reverse().slice(0, 5))
		expect(prev.pagination.prev_cursor).toBeNull()
	})

	it('400 for an unknown direction; cursors are base64 JSON', async () => {
		expect((await t.call('GET', '/v1/events?direction=sideways')).status).toBe(400)
		const { next_cursor } = (await list('limit=5')).pagination
		expect(JSON.parse(Buffer.from(next_cursor ?? '', 'base64url').toString())).toEqual({ id: sent[18] })
	})
})
