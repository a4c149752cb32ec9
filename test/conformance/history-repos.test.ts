import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { PendingEvent } from '../../src/events/repo'
import type { Store } from '../../src/store'
import { BACKENDS, binaryBody, bytes, ENV, exec, type Opened, ORG, pending, seed, T0 } from './events-fixtures'

/** The read repos next to ingest on both engines: attempts, issues and the live stream's replay. */

for (const backend of BACKENDS) {
	describe(`attempts, issues and live repos (${backend.name})`, () => {
		let opened: Opened
		let store: Store
		let batch: PendingEvent[]
		const big = binaryBody(15_000)
		beforeAll(async () => {
			opened = await backend.open()
			store = opened.store
			await seed(store)
			batch = [
				pending({ at: T0 + 1, routes: ['conn_src_a'] }),
				pending({ at: T0 + 2, body: big, routes: ['conn_src_a'] }),
				pending({ at: T0 + 3, source: 'src_b', body: '{"b":1}' }),
				pending({ at: T0 + 4, body: '{"a":4}' })
			]
			await store.events.insertBatch(batch)
			// Attempts as the delivery repo writes them: two failures of the first event (the last one dead), one success.
			const [d1, d2] = batch.map((p) => p.routes[0]?.deliveryId)
			const attempt = 'INSERT INTO delivery_attempts (id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, status, is_dlq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)'
			const e = batch.map((p) => p.row.id)
			await exec(store, attempt, ['da_01', ORG, ENV, d1, e[0], 'conn_src_a', 'dst_a', 'http://127.0.0.1:9/', 'POST', 'failed', 0, T0 + 10])
			await exec(store, attempt, ['da_02', ORG, ENV, d1, e[0], 'conn_src_a', 'dst_a', 'http://127.0.0.1:9/', 'POST', 'failed', 1, T0 + 20])
			await exec(store, attempt, ['da_03', ORG, ENV, d2, e[1], 'conn_gone', 'dst_a', 'http://127.0.0.1:9/', 'POST', 'success', 0, T0 + 30])
			await exec(store, "UPDATE deliveries SET state = 'dead' WHERE id = $1", [d1])
			const issue = `INSERT INTO issues (id, org_id, env_id, destination_id, error_type, message, status, first_seen_at, last_seen_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $8)`
			await exec(store, issue, ['iss_1', ORG, ENV, 'dst_a', 'timeout', 'timed out', 'open', T0, T0 + 100])
			await exec(store, issue, ['iss_2', ORG, ENV, 'dst_a', 'http_5xx', 'HTTP 500', 'open', T0, T0 + 200])
			await exec(store, issue, ['iss_3', ORG, ENV, 'dst_gone', 'dns', 'no such host', 'acknowledged', T0, T0 + 50])
		})
		afterAll(() => opened.close())

		test('attempts: filtered keyset pages both ways with names, counts, one by id, the dead ones of an event', async () => {
			const all = { envId: ENV }
			const ids = async (f: Parameters<Store['attempts']['list']>[0], seek: Parameters<Store['attempts']['list']>[1]) =>
				(await store.attempts.list(f, seek, { limit: 10, offset: 0 })).map((a) => a.id)
			expect(await ids(all, { id: null, order: 'desc', back: false })).toEqual(['da_03', 'da_02', 'da_01'])
			expect(await ids(all, { id: 'da_03', order: 'desc', back: false })).toEqual(['da_02', 'da_01'])
			expect(await ids(all, { id: 'da_02', order: 'desc', back: true })).toEqual(['da_03'])
			expect(await ids({ envId: ENV, eventId: batch[0]?.row.id }, { id: null, order: 'asc', back: false })).toEqual(['da_01', 'da_02'])
			expect(await ids({ envId: ENV, dlqOnly: true }, { id: null, order: 'asc', back: false })).toEqual(['da_02'])
			expect(await ids({ envId: ENV, status: 'success', destinationId: 'dst_a' }, { id: null, order: 'asc', back: false })).toEqual(['da_03'])
			expect(await store.attempts.count({ envId: ENV, connectionId: 'conn_src_a' })).toBe(2)
			expect(await store.attempts.findById('da_03')).toMatchObject({ id: 'da_03', connection_name: null, destination_name: 'dst_a', is_dlq: 0, created_at: T0 + 30 })
			expect(await store.attempts.findById('da_01')).toMatchObject({ connection_name: 'conn_src_a' })
			expect(await store.attempts.findById('da_none')).toBeNull()
			// Many by id in one query: exactly the rows findById gives, unknown ids left out.
			const many = (await store.attempts.findByIds(['da_03', 'da_none', 'da_01'])).sort((x, y) => x.id.localeCompare(y.id))
			expect(many).toEqual([await store.attempts.findById('da_01'), await store.attempts.findById('da_03')] as never)
			expect(await store.attempts.findByIds([])).toEqual([])
			expect(await store.attempts.deadOfEvent(batch[0]?.row.id as string)).toEqual([{ id: 'da_02', delivery_id: batch[0]?.routes[0]?.deliveryId as string }])
			expect(await store.attempts.deadOfEvent(batch[1]?.row.id as string)).toEqual([])
		})

		test('issues: most recently seen first, filters, summary, update, auto-resolve of the quiet ones', async () => {
			const list = async (f: { status: string | null; destinationId: string | null }) => (await store.issues.list(ENV, f, { limit: 10, offset: 0 })).map((i) => i.id)
			expect(await list({ status: null, destinationId: null })).toEqual(['iss_2', 'iss_1', 'iss_3'])
			expect(await list({ status: 'open', destinationId: 'dst_a' })).toEqual(['iss_2', 'iss_1'])
			expect(await store.issues.count(ENV, { status: 'acknowledged', destinationId: null })).toBe(1)
			expect(await store.issues.findById('iss_1')).toMatchObject({ destination_name: 'dst_a', occurrence_count: 1, recent_attempt_ids: '[]', snoozed_until: null })
			const issues = (await store.issues.findByIds(['iss_3', 'iss_none', 'iss_1'])).sort((x, y) => x.id.localeCompare(y.id))
			expect(issues).toEqual([await store.issues.findById('iss_1'), await store.issues.findById('iss_3')] as never)
			expect(await store.issues.findByIds([])).toEqual([])
			expect(await store.issues.summary(ENV)).toEqual({ open: 2, acknowledged: 1 })
			await store.issues.update('iss_1', { status: 'snoozed', snoozedUntil: T0 + 5000, resolvedAt: null, now: T0 + 300 })
			expect(await store.issues.findById('iss_1')).toMatchObject({ status: 'snoozed', snoozed_until: T0 + 5000, updated_at: T0 + 300 })
			// Quiet since before T0 + 150: iss_1 and iss_3 (iss_2 was seen at T0 + 200).
			expect(await store.issues.autoResolve(T0 + 1000, T0 + 150)).toBe(2)
			expect(await store.issues.summary(ENV)).toEqual({ open: 1, resolved: 2 })
			expect(await store.issues.autoResolve(T0 + 2000, T0 + 150)).toBe(0)
		})

		test('live: events after a resume point, oldest first, bounded by count and by body bytes, bodies from wherever they are kept', async () => {
			const e: string[] = batch.map((p) => p.row.id)
			const all = await store.live.eventsAfter(ENV, null, 'evt_', 10)
			expect(all.events.map((s) => s.row.id)).toEqual(e)
			expect(all.more).toBe(false)
			expect(bytes(all.events[1]?.body)).toEqual(bytes(big))
			expect(new TextDecoder().decode(all.events[2]?.body)).toBe('{"b":1}')
			expect(all.events[1]?.row).not.toHaveProperty('out_of_line')
			const two = await store.live.eventsAfter(ENV, null, e[0] as string, 2)
			expect(two.events.map((s) => s.row.id)).toEqual(e.slice(1, 3))
			expect(two.more).toBe(true)
			// The 15 KB body crosses the 100-byte budget: it is the last event of the answer.
			const budget = await store.live.eventsAfter(ENV, null, 'evt_', 10, 100)
			expect(budget.events.map((s) => s.row.id)).toEqual(e.slice(0, 2))
			expect(budget.more).toBe(true)
			const ofSource = await store.live.eventsAfter(ENV, 'src_b', 'evt_', 10)
			expect(ofSource.events.map((s) => s.row.id)).toEqual(e.slice(2, 3))
			expect((await store.live.eventsAfter(ENV, null, e[3] as string, 10)).events).toEqual([])
		})

		test('live: events by id (what another instance committed), oldest first, bodies from wherever they are kept, unknown ids left out', async () => {
			const e: string[] = batch.map((p) => p.row.id)
			const got = await store.live.eventsByIds([e[2] as string, 'evt_unknown', e[1] as string])
			expect(got.map((s) => s.row.id)).toEqual(e.slice(1, 3))
			expect(bytes(got[0]?.body)).toEqual(bytes(big))
			expect(new TextDecoder().decode(got[1]?.body)).toBe('{"b":1}')
			expect(got[0]?.row).not.toHaveProperty('out_of_line')
			expect(await store.live.eventsByIds([])).toEqual([])
		})
	})
}
