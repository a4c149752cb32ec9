import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

/**
 * The delivery worker keeps destinations (secrets opened), connections
 * (transforms compiled) and breakers in memory. Every write that changes them
 * must reach the next attempt. Each test first makes the worker load what it
 * then changes, by delivering one event. (The manual circuit reset is covered
 * by delivery-breaker.test.ts: "manual reset closes the breaker and drains the
 * queue at once" waits on a breaker the worker holds open for ten minutes.)
 */
let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status
const settled = (eventId: string, status: string) => h.until(async () => ((await statusOf(eventId)) === status ? true : undefined))
const attemptsOf = async (eventId: string) =>
	(await h.api<{ delivery_attempts: { status: string; error: string | null }[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts

describe('writes that the delivery worker sees at once', () => {
	it('destination PATCH: a new URL and headers are used by the next delivery', async () => {
		const before = new Receiver()
		const after = new Receiver()
		const p = await pipeline(h, 'wc-url', { url: before.url })
		await settled(await h.send(p.sourceId, '{"n":1}'), 'delivered')
		expect((await h.api('PATCH', `/v1/destinations/${p.destinationId}`, { url: after.url, headers: { 'x-env': 'two' } })).status).toBe(200)
		await settled(await h.send(p.sourceId, '{"n":2}'), 'delivered')
		expect(before.received.map((r) => r.body)).toEqual(['{"n":1}'])
		expect(after.received.map((r) => [r.body, r.headers['x-env']])).toEqual([['{"n":2}', 'two']])
		await Promise.all([before.stop(), after.stop()])
	})

	it('destination PATCH: paused holds new deliveries, active sends them', async () => {
		const rx = new Receiver()
		const p = await pipeline(h, 'wc-pause', { url: rx.url })
		const sentinel = await pipeline(h, 'wc-sentinel', { url: rx.url })
		await settled(await h.send(p.sourceId, '{"n":1}'), 'delivered')
		expect((await h.api('PATCH', `/v1/destinations/${p.destinationId}`, { status: 'paused' })).status).toBe(200)
		const held = await h.send(p.sourceId, '{"n":2}')
		// Queued after the held one: once it is delivered, the worker has looked at the paused destination too.
		await settled(await h.send(sentinel.sourceId, '{"sentinel":true}'), 'delivered')
		expect(await statusOf(held)).toBe('pending')
		expect(rx.received.map((r) => r.body)).toEqual(['{"n":1}', '{"sentinel":true}'])
		expect((await h.api('PATCH', `/v1/destinations/${p.destinationId}`, { status: 'active' })).status).toBe(200)
		await settled(held, 'delivered')
		await rx.stop()
	})

	it('connection PATCH: the next delivery uses the new transform', async () => {
		const rx = new Receiver()
		const p = await pipeline(h, 'wc-tf', { url: rx.url }, { transform_expression: '{"v": 1}' })
		await settled(await h.send(p.sourceId, '{"a":"x"}'), 'delivered')
		expect((await h.api('PATCH', `/v1/connections/${p.connectionId}`, { transform_expression: '{"v": 2, "a": a}' })).status).toBe(200)
		await settled(await h.send(p.sourceId, '{"a":"y"}'), 'delivered')
		expect(rx.received.map((r) => r.body)).toEqual(['{"v":1}', '{"v":2,"a":"y"}'])
		await rx.stop()
	})

	it('source DELETE: a retry through its (cascade-deleted) connection is abandoned, never sent', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const p = await pipeline(h, 'wc-src', { url: rx.url, retry_max_attempts: 5, retry_intervals: [300], circuit_breaker_enabled: false }, { transform_expression: '{"id": id}' })
		const eventId = await h.send(p.sourceId, '{"id":1,"secret":"s"}')
		await h.until(async () => ((await attemptsOf(eventId)).length === 1 ? true : undefined))
		expect((await h.api('DELETE', `/v1/sources/${p.sourceId}`)).status).toBe(200)
		rx.otherwise({ status: 200 })
		await settled(eventId, 'failed')
		expect((await attemptsOf(eventId))[0]?.error).toBe('connection deleted; delivery abandoned')
		expect(rx.received).toHaveLength(1)
		await rx.stop()
	})
})
