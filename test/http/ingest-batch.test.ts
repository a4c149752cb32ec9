import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rawSql } from '../support/raw-sql'
import { type ConnFixture, connectionFixture } from './connections-fixtures'

let f: ConnFixture
beforeAll(async () => {
	f = await connectionFixture()
})
afterAll(() => f.t.close())

type Page = { events: { id: string; status: string }[]; pagination: { total: number } }

describe('one group commit for events that arrive together', () => {
	it('stores every event with its outbox rows and sums the source and connection counters over the batch', async () => {
		const { t, src } = f
		const all = await f.create({ name: 'all' })
		const orders = await f.create({ name: 'orders', filter_rules: [{ field: 'payload.type', op: 'eq', value: 'order.created' }] })
		const types = ['order.created', 'order.paid', 'order.created', 'refund', 'order.created', 'order.paid', 'order.created', 'x']
		const batches: number[] = []
		const insertBatch = t.ctx.store.events.insertBatch
		t.ctx.store.events.insertBatch = (batch) => {
			batches.push(batch.length)
			return insertBatch(batch)
		}
		// Sent together: they share a batch (the group committer flushes at the end of the turn).
		const replies = await Promise.all(types.map((type, i) => t.call('POST', `/v1/ingest/${src.id}`, { body: { type, i } })))
		t.ctx.store.events.insertBatch = insertBatch
		expect(Math.max(...batches)).toBeGreaterThan(1)
		expect(replies.map((r) => r.status)).toEqual(types.map(() => 200))
		const ids = await Promise.all(replies.map(async (r) => ((await r.json()) as { event_id: string }).event_id))

		const conn = async (id: string) => ((await (await t.call('GET', `/v1/connections/${id}`)).json()) as { connection: { event_count: number; last_event_at: string | null } }).connection
		expect((await conn(all.id)).event_count).toBe(types.length)
		expect((await conn(orders.id)).event_count).toBe(types.filter((x) => x === 'order.created').length)
		expect((await conn(orders.id)).last_event_at).not.toBeNull()
		const source = ((await (await t.call('GET', `/v1/sources/${src.id}`)).json()) as { source: { event_count: number } }).source
		expect(source.event_count).toBe(types.length)

		const page = (await (await t.call('GET', `/v1/events?source_id=${src.id}&limit=50`)).json()) as Page
		expect(page.pagination.total).toBe(types.length)
		// Newest first, in the order the batch was committed.
		expect(page.events.map((e) => e.id)).toEqual([...ids].reverse())
		expect(page.events.every((e) => e.status === 'pending')).toBe(true)
		// The outbox: one delivery per matching connection, written in the events' transaction.
		const sql = rawSql(t.ctx.store)
		const outbox = await Promise.all(ids.map(async (id) => (await sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries WHERE event_id = $1', [id]))?.n))
		expect(outbox).toEqual(types.map((x) => (x === 'order.created' ? 2 : 1)))
	})
})
