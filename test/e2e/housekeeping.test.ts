import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

/**
 * The background timers (retention, issue auto-resolve, the expired-lease sweep)
 * run on their own: nothing here calls them, the test only moves the clock and
 * waits for their effect through the API.
 */
let h: Harness
beforeAll(async () => {
	h = await startHarness({ 'housekeeping-interval-ms': '20', 'retention-days': '1' })
})
afterAll(() => h.close())

type Issue = { id: string; status: string; error_type: string; occurrence_count: number; recent_attempt_ids: string[]; first_seen_at: string; last_seen_at: string }
const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status
const failedOf = (id: string) => h.until(async () => ((await statusOf(id)) === 'failed' ? true : undefined))

/** Runs `body` while the server's clock reads `aheadMs` in the future (the clock is shared: always restored). */
async function withClockAhead<T>(aheadMs: number, body: () => Promise<T>): Promise<T> {
	const clock = h.server.ctx.clock as { now: () => number }
	const realNow = clock.now
	clock.now = () => realNow() + aheadMs
	try {
		return await body()
	} finally {
		clock.now = realNow
	}
}

describe('issues', () => {
	it('occurrence_count grows with every dead delivery of the same kind, then the quiet issue resolves itself', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId, destinationId } = await pipeline(h, 'occ', { url: rx.url, retry_max_attempts: 1, circuit_breaker_enabled: false })
		for (let i = 1; i <= 3; i++) await failedOf(await h.send(sourceId, `{"n":${i}}`))
		const list = async () => (await h.api<{ issues: Issue[] }>('GET', `/v1/issues?destination_id=${destinationId}&status=all`)).body.issues
		const [issue, ...others] = await list()
		expect(others).toHaveLength(0) // one issue, counted three times
		expect(issue).toMatchObject({ status: 'open', error_type: 'http_5xx', occurrence_count: 3 })
		expect(issue?.recent_attempt_ids).toHaveLength(3)
		expect(Date.parse(issue?.last_seen_at ?? '')).toBeGreaterThanOrEqual(Date.parse(issue?.first_seen_at ?? ''))

		// 31 minutes without a new occurrence: the auto-resolve timer closes it without being called.
		const resolved = await withClockAhead(31 * 60_000, () => h.until(async () => {
			const [now] = await list()
			return now?.status === 'resolved' ? now : undefined
		}, 4000))
		expect(resolved.occurrence_count).toBe(3)
		await rx.stop()
	})
})

describe('retention', () => {
	it('the sweep deletes events older than --retention-days on its own', async () => {
		const lone = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'ret', slug: 'ret' })
		const eventId = await h.send(lone.body.source.id, '{"old":true}')
		expect((await h.api('GET', `/v1/events/${eventId}`)).status).toBe(200)
		await withClockAhead(2 * 86_400_000, () => h.until(async () => ((await h.api('GET', `/v1/events/${eventId}`)).status === 404 ? true : undefined), 4000))
		const list = await h.api<{ pagination: { total: number } }>('GET', `/v1/events?source_id=${lone.body.source.id}`)
		expect(list.body.pagination.total).toBe(0)
	})
})

describe('lease sweeper', () => {
	it('hands a delivery leased by a dead worker back to the queue once its lease expires', async () => {
		const rx = new Receiver()
		const { sourceId, destinationId } = await pipeline(h, 'lease', { url: rx.url })
		// Hold the delivery (paused destination), then lease it as a worker that then "crashes".
		expect((await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })).status).toBe(200)
		const eventId = await h.send(sourceId, '{"leased":true}')
		await h.server.ctx.drainWrites()
		const now = Date.now()
		const claimed = await h.server.ctx.store.deliveries.claim(destinationId, now, 10, 'w_crashed0000', now + 100)
		expect(claimed.map((d) => d.event_id)).toEqual([eventId])
		expect((await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'active' })).status).toBe(200)
		// The live worker skips a leased row; only the sweep (every 20 ms here) can release it.
		await h.until(async () => ((await statusOf(eventId)) === 'delivered' ? true : undefined), 4000)
		expect(rx.received.map((r) => r.body)).toEqual(['{"leased":true}'])
		await rx.stop()
	})
})
