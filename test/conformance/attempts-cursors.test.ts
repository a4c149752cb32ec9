import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { AttemptFilter } from '../../src/attempts/repo'
import type { Seek } from '../../src/lib/pagination'
import type { Store } from '../../src/store'
import { BACKENDS, ENV, exec, type Opened, ORG, pending, seed, T0 } from './events-fixtures'

/**
 * Attempt list cursors, including cursors whose attempt is gone (retention deletes an old
 * event's attempts). On SQLite the pages walk migration 16's indexes by rowid and the cursor's
 * id is resolved to a rowid (src/attempts/repo-sql.ts); on PostgreSQL they walk by id. Either
 * way a page starts right beside the cursor: nothing repeated, nothing skipped.
 */

for (const backend of BACKENDS) {
	describe(`attempts list: cursors, filters and deleted attempts (${backend.name})`, () => {
		let opened: Opened
		let store: Store
		let eventIds: string[] = []
		const ids = Array.from({ length: 8 }, (_, i) => `da_0${i}`) // oldest first; odd ones to dst_b
		const page = async (filter: Partial<AttemptFilter>, s: Seek, limit = 3) =>
			(await store.attempts.list({ envId: ENV, ...filter }, s, { offset: 0, limit })).map((r) => ids.indexOf(r.id))
		const at = (id: string, order: 'asc' | 'desc', back = false): Seek => ({ id, order, back })

		beforeAll(async () => {
			opened = await backend.open()
			store = opened.store
			await seed(store)
			const events = Array.from({ length: 4 }, (_, i) => pending({ at: T0 + i, routes: ['conn_src_a'] }))
			await store.events.insertBatch(events)
			eventIds = events.map((e) => e.row.id)
			const attempt = `INSERT INTO delivery_attempts (id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, status, is_dlq, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, 'http://127.0.0.1:9/', 'POST', $8, 0, $9)`
			// Two attempts per event, inserted in id order as the delivery repo records them.
			for (const [i, id] of ids.entries()) {
				const e = events[Math.floor(i / 2)]
				await exec(store, attempt, [id, ORG, ENV, e?.routes[0]?.deliveryId, e?.row.id, 'conn_src_a', i % 2 ? 'dst_b' : 'dst_a', i % 2 ? 'success' : 'failed', T0 + i])
			}
			// Retention took the first event's attempts; one attempt deleted in the middle.
			await exec(store, 'DELETE FROM delivery_attempts WHERE event_id = $1', [events[0]?.row.id])
			await exec(store, 'DELETE FROM delivery_attempts WHERE id = $1', ['da_04'])
		})
		afterAll(() => opened.close())

		test('pages both ways from a stored cursor', async () => {
			expect(await page({}, { id: null, order: 'desc', back: false })).toEqual([7, 6, 5])
			expect(await page({}, at('da_06', 'desc'))).toEqual([5, 3, 2])
			expect(await page({}, at('da_03', 'desc', true))).toEqual([5, 6, 7])
			expect(await page({}, at('da_03', 'asc'))).toEqual([5, 6, 7])
			expect(await page({}, at('da_06', 'asc', true))).toEqual([5, 3, 2])
		})

		test('a cursor whose attempt was deleted: each way starts beside it', async () => {
			expect(await page({}, at('da_04', 'desc'))).toEqual([3, 2])
			expect(await page({}, at('da_04', 'desc', true))).toEqual([5, 6, 7])
			expect(await page({}, at('da_04', 'asc'))).toEqual([5, 6, 7])
			expect(await page({}, at('da_04', 'asc', true))).toEqual([3, 2])
			// Purged by retention (older than every attempt left).
			expect(await page({}, at('da_01', 'desc'))).toEqual([])
			expect(await page({}, at('da_01', 'asc'))).toEqual([2, 3, 5])
		})

		test('filtered pages by destination and by event walk their own index the same way', async () => {
			expect(await page({ destinationId: 'dst_b' }, at('da_04', 'desc'))).toEqual([3])
			expect(await page({ destinationId: 'dst_b' }, at('da_04', 'asc'))).toEqual([5, 7])
			expect(await page({ destinationId: 'dst_a', status: 'failed' }, { id: null, order: 'asc', back: false })).toEqual([2, 6])
			expect(await page({ eventId: eventIds[3] }, { id: null, order: 'desc', back: false })).toEqual([7, 6])
			expect(await page({ eventId: eventIds[3] }, at('da_07', 'desc'))).toEqual([6])
			expect(await page({ eventId: eventIds[2] }, at('da_04', 'asc', true))).toEqual([])
			expect(await store.attempts.count({ envId: ENV, destinationId: 'dst_b' })).toBe(3)
		})

		test('cursors newer and older than every attempt', async () => {
			expect(await page({}, at('da_99', 'desc'))).toEqual([7, 6, 5])
			expect(await page({}, at('da_99', 'asc'))).toEqual([])
			expect(await page({}, at('da_', 'asc'))).toEqual([2, 3, 5])
			expect(await page({}, at('da_', 'desc'))).toEqual([])
		})
	})
}
