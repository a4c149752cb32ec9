import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { EventFilter } from '../../src/events/queries'
import { idFloorAt } from '../../src/lib/ids'
import type { Seek } from '../../src/lib/pagination'
import type { Store } from '../../src/store'
import { BACKENDS, ENV, exec, type Opened, pending, seed, T0 } from './events-fixtures'

/**
 * Cursors whose event is gone: retention deleted it (the oldest events), or it was deleted
 * in the middle of the list. A page from such a cursor starts right beside where the event
 * was, whichever way it walks: nothing repeated, nothing skipped. On SQLite the pages walk
 * by rowid and the cursor's id is resolved to a rowid (src/events/order-sql.ts); on
 * PostgreSQL they walk by id.
 */

for (const backend of BACKENDS) {
	describe(`events list: cursors of deleted events (${backend.name})`, () => {
		let opened: Opened
		let store: Store
		let ids: string[] = [] // oldest first: 0…11, even ones from src_a
		const page = async (filter: Partial<EventFilter>, s: Seek, limit = 4) =>
			(await store.events.list({ envId: ENV, ...filter }, s, { offset: 0, limit })).map((r) => ids.indexOf(r.id))
		const at = (id: string, order: 'asc' | 'desc', back = false): Seek => ({ id, order, back })

		beforeAll(async () => {
			opened = await backend.open()
			store = opened.store
			await seed(store)
			// Two batches, as ingest commits them: ids follow commit order.
			const events = Array.from({ length: 12 }, (_, i) => pending({ at: T0 + i * 1000, source: i % 2 === 0 ? 'src_a' : 'src_b' }))
			await store.events.insertBatch(events.slice(0, 5))
			await store.events.insertBatch(events.slice(5))
			ids = events.map((p) => p.row.id)
			// Retention: everything received before event 3.
			expect(await store.events.purgeBefore(idFloorAt('evt', T0 + 3000), 100)).toBe(3)
			// And one event deleted in the middle (as a deleted test session's events are).
			await exec(store, 'DELETE FROM events WHERE id = $1', [ids[7]])
		})
		afterAll(() => opened.close())

		test('newest first: next page from a purged cursor is empty, the page back starts at the oldest left', async () => {
			expect(await page({}, at(ids[2] as string, 'desc'))).toEqual([])
			expect(await page({}, at(ids[2] as string, 'desc', true))).toEqual([3, 4, 5, 6])
			expect(await page({ sourceId: 'src_b' }, at(ids[1] as string, 'desc', true))).toEqual([3, 5, 9, 11])
		})

		test('oldest first: next page from a purged cursor starts at the oldest left, none skipped', async () => {
			expect(await page({}, at(ids[2] as string, 'asc'))).toEqual([3, 4, 5, 6])
			expect(await page({}, at(ids[0] as string, 'asc'))).toEqual([3, 4, 5, 6])
			expect(await page({ sourceId: 'src_a' }, at(ids[2] as string, 'asc'))).toEqual([4, 6, 8, 10])
			expect(await page({}, at(ids[2] as string, 'asc', true))).toEqual([])
		})

		test('a cursor deleted in the middle: each way starts beside it', async () => {
			const gone = ids[7] as string
			expect(await page({}, at(gone, 'desc'))).toEqual([6, 5, 4, 3])
			expect(await page({}, at(gone, 'desc', true))).toEqual([8, 9, 10, 11])
			expect(await page({}, at(gone, 'asc'))).toEqual([8, 9, 10, 11])
			expect(await page({}, at(gone, 'asc', true))).toEqual([6, 5, 4, 3])
			expect(await page({ sourceId: 'src_b' }, at(gone, 'desc'))).toEqual([5, 3])
			expect(await page({ sourceId: 'src_b' }, at(gone, 'asc'))).toEqual([9, 11])
		})

		test('a cursor newer than every event, and one older than every event', async () => {
			const newest = idFloorAt('evt', T0 + 3_600_000)
			expect(await page({}, at(newest, 'desc'))).toEqual([11, 10, 9, 8])
			expect(await page({}, at(newest, 'asc'))).toEqual([])
			const oldest = idFloorAt('evt', T0 - 3_600_000)
			expect(await page({}, at(oldest, 'asc'))).toEqual([3, 4, 5, 6])
			expect(await page({}, at(oldest, 'desc'))).toEqual([])
		})

		test('live resume from a purged or deleted event sends what was stored after it', async () => {
			const after = async (since: string, sourceId: string | null = null) =>
				(await store.live.eventsAfter(ENV, sourceId, since, 3)).events.map((e) => ids.indexOf(e.row.id))
			expect(await after(ids[1] as string)).toEqual([3, 4, 5])
			expect(await after(ids[7] as string)).toEqual([8, 9, 10])
			expect(await after(ids[7] as string, 'src_b')).toEqual([9, 11])
		})

		test('the search window walks on from a purged cursor', async () => {
			const found = await store.events.search({ envId: ENV }, at(ids[2] as string, 'asc'), '{}', { window: 5, chunk: 2, prefixBytes: 64 })
			expect(found.ids.map((id) => ids.indexOf(id))).toEqual([3, 4, 5, 6, 8])
			expect(found.scanned).toBe(5)
		})
	})
}

/**
 * Events committed out of id order (ingest mints the id, then may await a fetched signing key
 * before queueing): on SQLite the list walks commit order, on PostgreSQL id order. Either way,
 * paging one event at a time from every cursor, forwards and back, must give exactly the full
 * list's order: no event repeated, none skipped, a cursor's own event never returned again.
 */
for (const backend of BACKENDS) {
	describe(`events list: cursors of events committed out of id order (${backend.name})`, () => {
		let opened: Opened
		let store: Store
		let ids: string[] = []
		const list = async (s: Seek, limit: number, sourceId?: string) =>
			(await store.events.list({ envId: ENV, ...(sourceId ? { sourceId } : {}) }, s, { offset: 0, limit })).map((r) => r.id)

		beforeAll(async () => {
			opened = await backend.open()
			store = opened.store
			await seed(store)
			const events = Array.from({ length: 6 }, (_, i) => pending({ at: T0 + i * 1000, source: i % 2 === 0 ? 'src_a' : 'src_b' }))
			ids = events.map((p) => p.row.id)
			// Commit order 1, 0, 2, 4, 3, 5: events 0 and 3 were minted before the event committed ahead of them.
			for (const i of [1, 0, 2, 4, 3, 5]) await store.events.insertBatch([events[i] as (typeof events)[number]])
		})
		afterAll(() => opened.close())

		for (const order of ['desc', 'asc'] as const) {
			for (const sourceId of [undefined, 'src_a']) {
				test(`${order}${sourceId ? ', one source' : ''}: one-event pages from every cursor, forwards and back, follow the full list`, async () => {
					const full = await list({ id: null, order, back: false }, 100, sourceId)
					expect(full.length).toBe(sourceId ? 3 : 6)
					expect(new Set(full).size).toBe(full.length)
					for (let i = 0; i < full.length; i++) {
						const cursor = full[i] as string
						expect(await list({ id: cursor, order, back: false }, 100, sourceId)).toEqual(full.slice(i + 1))
						// A page back lists the events before the cursor, nearest first.
						expect(await list({ id: cursor, order, back: true }, 100, sourceId)).toEqual(full.slice(0, i).reverse())
					}
				})
			}
		}

		test('live resume from an event committed late sends each later-committed event once', async () => {
			const all = await list({ id: null, order: 'asc', back: false }, 100)
			for (let i = 0; i < all.length; i++) {
				const sent = (await store.live.eventsAfter(ENV, null, all[i] as string, 100)).events.map((e) => e.row.id)
				expect(sent).toEqual(all.slice(i + 1))
			}
		})
	})
}
