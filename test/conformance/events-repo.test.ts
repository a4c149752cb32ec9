import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { PendingEvent } from '../../src/events/repo'
import { idFloorAt } from '../../src/lib/ids'
import type { Store } from '../../src/store'
import { openPgStore } from '../../src/store-pg'
import { TEST_PG_URL } from '../support/pg'
import { BACKENDS, binaryBody, bytes, ENV, exec, type Opened, pending, rows, seed, T0 } from './events-fixtures'

/** The ingest write (insertBatch) and retention on both engines: same batch, same rows, same counters. */

const WINDOW = 60_000

async function sourceCounters(store: Store): Promise<{ id: string; event_count: number | undefined; last_event_at: number | null | undefined }[]> {
	return Promise.all(['src_a', 'src_b'].map(async (id) => {
		const s = await store.sources.findById(id)
		return { id, event_count: s?.event_count, last_event_at: s?.last_event_at }
	}))
}

for (const backend of BACKENDS) {
	describe(`events repo: the ingest batch (${backend.name})`, () => {
		let opened: Opened
		let store: Store
		let batch: PendingEvent[]
		const big = binaryBody(20_000)
		const smallBinary = binaryBody(300)
		beforeAll(async () => {
			opened = await backend.open()
			store = opened.store
			await seed(store)
			batch = [
				pending({ at: T0 + 1, dedup: { key: 'k1', windowMs: WINDOW }, routes: ['conn_src_a'] }),
				// the same key later in the same batch: a duplicate, stored but never routed
				pending({ at: T0 + 2, dedup: { key: 'k1', windowMs: WINDOW }, routes: ['conn_src_a'] }),
				pending({ at: T0 + 3, body: big, routes: ['conn_src_a'] }),
				// routed through a connection deleted since the route cache was filled
				pending({ at: T0 + 4, routes: [{ connection: 'conn_gone', destination: 'dst_a' }] }),
				pending({ at: T0 + 5, source: 'src_b', body: smallBinary }),
				pending({ at: T0 + 6, source: 'src_b', routes: [{ connection: 'conn_src_b', destination: 'dst_gone' }] })
			]
		})
		afterAll(() => opened.close())

		test('one batch: dedup decision, rows, bodies, outbox rows only where the route still exists', async () => {
			expect(await store.events.insertBatch(batch)).toBe(2)
			const [e1, e2, e3, e4, e5, e6] = batch.map((p) => p.row)
			expect(batch.map((p) => [p.row.dedup_status, p.row.status])).toEqual([
				['unique', 'pending'], ['duplicate', 'no_route'], ['unique', 'pending'], ['unique', 'no_route'], ['unique', 'no_route'], ['unique', 'no_route']
			])
			const stored = await rows<{ id: string; dedup_status: string; status: string }>(store, 'SELECT id, dedup_status, status FROM events ORDER BY id')
			expect(stored).toEqual(batch.map((p) => ({ id: p.row.id, dedup_status: p.row.dedup_status, status: p.row.status })))

			const deliveries = await rows(store, 'SELECT event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at FROM deliveries ORDER BY event_id')
			expect(deliveries).toEqual([e1, e3].map((e) => ({
				event_id: e?.id, connection_id: 'conn_src_a', destination_id: 'dst_a', state: 'queued', attempts: 0,
				due_at: e?.received_at, trigger_type: 'initial', created_at: e?.received_at, updated_at: e?.received_at
			})))
			expect((await rows(store, 'SELECT id FROM deliveries ORDER BY id')).map((r) => (r as { id: string }).id)).toEqual(
				[batch[0], batch[2]].map((p) => p?.routes[0]?.deliveryId as string).sort()
			)
			// SQLite holds a window's keys in memory and its log (events/repo-dedup.ts) until a flush.
			await store.events.flushDedupKeys()
			expect(await rows(store, 'SELECT source_id, key_hash, event_id, expires_at FROM dedup_keys')).toEqual([
				{ source_id: 'src_a', key_hash: 'k1', event_id: e1?.id, expires_at: T0 + 1 + WINDOW }
			])
			expect(e2?.dedup_hash).toBe('k1')
			expect(e4?.status).toBe('no_route')
			expect(e6?.source_id).toBe('src_b')
			expect(e5?.payload_ref).toBeNull()
		})

		test('bodies come back byte for byte: out of line over the threshold, inline below it', async () => {
			const [, , e3, , e5] = batch.map((p) => p.row)
			expect(bytes(await store.events.readPayload(e3?.id as string))).toEqual(bytes(big))
			const detail = await store.events.findById(e3?.id as string)
			expect(detail).toMatchObject({ payload_inline: null, payload_ref: `event_payloads:${e3?.id}`, payload_size: 20_000, source_name: 'Source src_a', source_slug: 'src_a' })
			expect(bytes((await store.events.findToDeliver(e5?.id as string))?.payload_inline)).toEqual(bytes(smallBinary))
			expect(bytes((await store.events.findById(e5?.id as string))?.payload_inline)).toEqual(bytes(smallBinary))
			expect(await store.events.readPayload(e5?.id as string)).toBeNull()
			expect(await rows(store, 'SELECT COUNT(*) AS n FROM event_payloads')).toEqual([{ n: 1 }])
		})

		test('counters: per source, per connection (queued deliveries only), stored totals', async () => {
			// The source's counters as its API reads them (kept in event_totals since migration 17).
			expect(await sourceCounters(store)).toEqual([
				{ id: 'src_a', event_count: 4, last_event_at: T0 + 4 },
				{ id: 'src_b', event_count: 2, last_event_at: T0 + 6 }
			])
			expect(await rows(store, 'SELECT source_id, stored, event_count, last_event_at FROM event_totals ORDER BY source_id')).toEqual([
				{ source_id: 'src_a', stored: 4, event_count: 4, last_event_at: T0 + 4 },
				{ source_id: 'src_b', stored: 2, event_count: 2, last_event_at: T0 + 6 }
			])
			expect(await rows(store, 'SELECT id, event_count, last_event_at FROM connections ORDER BY id')).toEqual([
				{ id: 'conn_src_a', event_count: 2, last_event_at: T0 + 3 },
				{ id: 'conn_src_b', event_count: 0, last_event_at: null }
			])
			expect(await store.events.count({ envId: ENV })).toBe(6)
			expect(await store.events.count({ envId: ENV, sourceId: 'src_b' })).toBe(2)
			// Any other filter counts rows instead of reading the totals.
			expect(await store.events.count({ envId: ENV, status: 'no_route' })).toBe(4)
			expect(await store.events.count({ envId: ENV, dedupStatus: 'duplicate', sourceId: 'src_a' })).toBe(1)
		})

		test('dedup across batches: a duplicate within the window, unique again once it has passed, per source', async () => {
			const within = pending({ at: T0 + 30_000, dedup: { key: 'k1', windowMs: WINDOW }, routes: ['conn_src_a'] })
			const otherSource = pending({ at: T0 + 30_000, source: 'src_b', dedup: { key: 'k1', windowMs: WINDOW } })
			expect(await store.events.insertBatch([within, otherSource])).toBe(0)
			expect([within.row.dedup_status, within.row.status, otherSource.row.dedup_status]).toEqual(['duplicate', 'no_route', 'unique'])
			// The key expires at T0 + 1 + WINDOW: an event received then is the first of a new window.
			const after = pending({ at: T0 + 1 + WINDOW, dedup: { key: 'k1', windowMs: WINDOW }, routes: ['conn_src_a'] })
			expect(await store.events.insertBatch([after])).toBe(1)
			expect(after.row.dedup_status).toBe('unique')
			await store.events.flushDedupKeys()
			expect(await rows(store, "SELECT event_id, expires_at FROM dedup_keys WHERE source_id = 'src_a'")).toEqual([
				{ event_id: after.row.id, expires_at: T0 + 1 + 2 * WINDOW }
			])
		})

		test('retention deletes old events with their bodies, deliveries and attempts, in batches, and fixes the totals', async () => {
			const [e1] = batch.map((p) => p.row)
			await exec(store, `INSERT INTO delivery_attempts (id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, status, created_at)
				VALUES ('da_1', $1, $2, $3, $4, 'conn_src_a', 'dst_a', 'http://127.0.0.1:9/', 'POST', 'failed', $5)`, [e1?.org_id, ENV, batch[0]?.routes[0]?.deliveryId, e1?.id, T0 + 10])
			const cutoff = idFloorAt('evt', T0 + 4) // e1, e2, e3 (received before T0 + 4)
			expect(await store.events.purgeBefore(cutoff, 2)).toBe(2)
			expect(await store.events.purgeBefore(cutoff, 2)).toBe(1)
			expect(await store.events.purgeBefore(cutoff, 2)).toBe(0)
			const left = (await rows<{ id: string }>(store, 'SELECT id FROM events ORDER BY id')).map((r) => r.id)
			expect(left).not.toContain(e1?.id)
			expect(left).toHaveLength(6) // e4, e5, e6 and the three of the dedup test
			for (const table of ['event_payloads', 'delivery_attempts']) expect(await rows(store, `SELECT COUNT(*) AS n FROM ${table}`)).toEqual([{ n: 0 }])
			// Only the delivery of the later "after" event is left.
			expect(await rows(store, 'SELECT COUNT(*) AS n FROM deliveries')).toEqual([{ n: 1 }])
			expect(await store.events.count({ envId: ENV, sourceId: 'src_a' })).toBe(3)
			expect(await store.events.count({ envId: ENV })).toBe(6)
			// Retention lowers what is stored, never what was received.
			expect(await sourceCounters(store)).toEqual([
				{ id: 'src_a', event_count: 6, last_event_at: T0 + 1 + WINDOW },
				{ id: 'src_b', event_count: 3, last_event_at: T0 + 30_000 }
			])
		})

		test('expired dedup keys are purged in batches; live ones stay', async () => {
			await exec(store, 'INSERT INTO dedup_keys (source_id, key_hash, event_id, expires_at) VALUES ($1, $2, $3, $4), ($1, $5, $3, $4)', ['src_b', 'old1', 'evt_x', T0, 'old2'])
			const now = T0 + 1 + WINDOW + 1 // src_b/k1 (T0 + 30 000 + WINDOW) and src_a/k1 (T0 + 1 + 2 WINDOW) are still live
			expect(await store.events.purgeDedupKeys(now, 1)).toBe(1)
			expect(await store.events.purgeDedupKeys(now, 10)).toBe(1)
			expect(await store.events.purgeDedupKeys(now, 10)).toBe(0)
			expect((await rows<{ key_hash: string }>(store, 'SELECT key_hash FROM dedup_keys ORDER BY source_id')).map((r) => r.key_hash)).toEqual(['k1', 'k1'])
		})
	})
}

describe.skipIf(!TEST_PG_URL)('events repo: two instances (separate pools) race the same dedup keys on one PostgreSQL database', () => {
	const postgres = BACKENDS.find((b) => b.name === 'postgres')
	let a: Opened
	let b: Store
	beforeAll(async () => {
		a = await (postgres as (typeof BACKENDS)[number]).open()
		await seed(a.store)
		b = await openPgStore(a.url as string, { migrate: false, poolSize: 4 })
	})
	afterAll(async () => {
		await b?.close()
		await a?.close()
	})

	/** One instance: every key once, `size` per batch, `inFlight` batches at a time. */
	async function submit(store: Store, keys: string[], size: number, inFlight: number): Promise<PendingEvent[]> {
		const events = keys.map((k, i) => pending({ at: T0 + i, dedup: { key: k, windowMs: WINDOW }, routes: ['conn_src_a'] }))
		const batches: PendingEvent[][] = []
		for (let i = 0; i < events.length; i += size) batches.push(events.slice(i, i + size))
		let next = 0
		await Promise.all(Array.from({ length: inFlight }, async () => {
			while (next < batches.length) await store.events.insertBatch(batches[next++] as PendingEvent[])
		}))
		return events
	}

	test('each key is stored as unique exactly once, by one of the two', async () => {
		const keys = Array.from({ length: 600 }, (_, i) => `key-${String(i).padStart(4, '0')}`)
		// Opposite orders and different batch shapes, so both instances contend on the same keys at once.
		const [fromA, fromB] = await Promise.all([submit(a.store, keys, 40, 4), submit(b, [...keys].reverse(), 25, 4)])
		const unique = [...fromA, ...fromB].filter((p) => p.row.dedup_status === 'unique')
		expect(unique).toHaveLength(keys.length)
		expect(new Set(unique.map((p) => p.dedup?.keyHash)).size).toBe(keys.length)
		expect(unique.filter((p) => fromA.includes(p)).length).toBeGreaterThan(0)
		expect(unique.filter((p) => fromB.includes(p)).length).toBeGreaterThan(0)
		// The database agrees: one unique event per key, the one its dedup key names; every twin a duplicate without a delivery.
		const stored = await rows<{ dedup_hash: string; n: number }>(a.store, "SELECT dedup_hash, COUNT(*) AS n FROM events WHERE dedup_status = 'unique' GROUP BY dedup_hash HAVING COUNT(*) <> 1")
		expect(stored).toEqual([])
		const named = await rows<{ n: number }>(a.store, "SELECT COUNT(*) AS n FROM dedup_keys k JOIN events e ON e.id = k.event_id AND e.dedup_status = 'unique'")
		expect(named).toEqual([{ n: keys.length }])
		expect(await rows(a.store, 'SELECT COUNT(*) AS n FROM deliveries')).toEqual([{ n: keys.length }])
		expect(await rows(a.store, "SELECT event_count, stored FROM event_totals WHERE source_id = 'src_a'")).toEqual([{ event_count: 2 * keys.length, stored: 2 * keys.length }])
		expect(await a.store.events.count({ envId: ENV, sourceId: 'src_a' })).toBe(2 * keys.length)
	})
})

for (const backend of BACKENDS) {
	describe(`events queries: pages and search (${backend.name})`, () => {
		let opened: Opened
		let store: Store
		const text = new TextEncoder()
		const ids: string[] = [] // oldest first
		const special: Record<number, string | Uint8Array> = {
			7: new Uint8Array([0x7b, 0x00, ...text.encode('secretword')]), // SQLite's text ends at the NUL
			8: '{"w":"héllo wörld"}',
			9: '{"w":"100% sure_thing"}',
			10: `{"w":"Hello World","pad":"${'x'.repeat(20_000)}"}`, // out of line: not searched
			11: `{"pad":"${'x'.repeat(5_000)}","w":"deepword"}`, // past the 4 KB prefix
			12: new Uint8Array([0xff, 0xfe, 0xc3, ...text.encode(' binword ')]) // not UTF-8
		}
		beforeAll(async () => {
			opened = await backend.open()
			store = opened.store
			await seed(store)
			const batch = Array.from({ length: 30 }, (_, i) => pending({
				at: T0 + i * 1000, source: i % 2 === 0 ? 'src_a' : 'src_b', body: special[i] ?? (i % 3 === 0 ? `{"i":${i},"w":"Hello World"}` : `{"i":${i}}`)
			}))
			await store.events.insertBatch(batch)
			ids.push(...batch.map((p) => p.row.id))
		})
		afterAll(() => opened.close())
		const desc = (from: string | null, back = false) => ({ id: from, order: 'desc' as const, back })
		const listIds = async (...args: Parameters<Store['events']['list']>) => (await store.events.list(...args)).map((r) => r.id)
		const newest = () => [...ids].reverse()

		test('keyset pages newest first, the page before it (walked back, fetched in reverse), oldest first, offsets and filters', async () => {
			const p1 = await listIds({ envId: ENV }, desc(null), { offset: 0, limit: 10 })
			expect(p1).toEqual(newest().slice(0, 10))
			const p2 = await listIds({ envId: ENV }, desc(p1.at(-1) as string), { offset: 0, limit: 10 })
			expect(p2).toEqual(newest().slice(10, 20))
			expect(await listIds({ envId: ENV }, desc(p2[0] as string, true), { offset: 0, limit: 10 })).toEqual(newest().slice(0, 10).reverse())
			expect(await listIds({ envId: ENV }, { id: null, order: 'asc', back: false }, { offset: 5, limit: 3 })).toEqual(ids.slice(5, 8))
			expect(await listIds({ envId: ENV }, { id: ids[27] as string, order: 'asc', back: false }, { offset: 0, limit: 10 })).toEqual(ids.slice(28))
			const odd = ids.filter((_, i) => i % 2 === 1)
			expect(await listIds({ envId: ENV, sourceId: 'src_b' }, desc(null), { offset: 0, limit: 100 })).toEqual([...odd].reverse())
			expect(await listIds({ envId: ENV, after: T0 + 20_000, before: T0 + 23_000 }, desc(null), { offset: 0, limit: 100 })).toEqual(ids.slice(20, 23).reverse())
			expect(await store.events.count({ envId: ENV, after: T0 + 20_000 })).toBe(10)
			expect(await store.events.count({ envId: ENV, sourceId: 'src_b' })).toBe(15)
			const rowsById = await store.events.listByIds([ids[3] as string, 'evt_missing', ids[1] as string])
			expect(rowsById.map((r) => [r.id, r.source_name])).toEqual([[ids[3] as string, 'Source src_b'], [ids[1] as string, 'Source src_b']])
			expect(rowsById[0]).not.toHaveProperty('payload_inline')
		})

		const bounds = { window: 100, chunk: 7, prefixBytes: 4096 }
		const found = async (needle: string, b = bounds, filter = { envId: ENV }) => (await store.events.search(filter, desc(null), needle, b)).ids
		const at = (...is: number[]) => is.map((i) => ids[i] as string).reverse()

		test('search: body text ASCII case-insensitively, within the inline prefix, wildcards literal, id prefixes', async () => {
			expect(await found('WORLD')).toEqual(at(0, 3, 6, 15, 18, 21, 24, 27)) // 9 and 12 are special, 10 out of line
			expect(await found('héllo')).toEqual(at(8))
			expect(await found('HÉLLO')).toEqual([]) // only ASCII letters fold
			expect(await found('100%')).toEqual(at(9))
			expect(await found('%')).toEqual(at(9))
			expect(await found('e_t')).toEqual(at(9))
			expect(await found('binword')).toEqual(at(12))
			expect(await found('secretword')).toEqual([])
			expect(await found('deepword')).toEqual([])
			expect(await found('deepword', { ...bounds, prefixBytes: 8192 })).toEqual(at(11))
			expect(await found((ids[5] as string).slice(0, 34).toUpperCase())).toContain(ids[5] as string)
			expect(await found('Hello', bounds, { envId: ENV, sourceId: 'src_b' } as never)).toEqual(at(3, 15, 21, 27))
		})

		test('search examines at most the window and says where it stopped', async () => {
			const r = await store.events.search({ envId: ENV }, desc(null), 'world', { window: 10, chunk: 4, prefixBytes: 4096 })
			expect(r).toEqual({ ids: at(21, 24, 27), scanned: 10, cutAt: newest()[9] as string })
			const rest = await store.events.search({ envId: ENV }, desc(r.cutAt), 'world', { window: 100, chunk: 4, prefixBytes: 4096 })
			expect(rest).toEqual({ ids: at(0, 3, 6, 15, 18), scanned: 20, cutAt: null })
		})
	})
}
