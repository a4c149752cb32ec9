import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { BACKEND } from '../support/pg'
import { rawSql } from '../support/raw-sql'
import { Receiver } from './receiver'

/** Regressions from review: changes racing the worker must never strand a delivery or the breaker. */
let h: Harness
beforeAll(async () => {
	h = await startHarness({ 'destination-concurrency': '1' })
})
afterAll(() => h.close())

const circuitOf = async (id: string) => (await h.api<{ circuit: { state: string } }>('GET', `/v1/destinations/${id}/circuit`)).body.circuit
const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status
type Attempt = { status: string; trigger_type: string; error_type: string | null }
const attemptsWhere = async (query: string) => (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?${query}`)).body.delivery_attempts
const deliveriesOf = (eventId: string) => rawSql(h.server.ctx.store).all('SELECT state FROM deliveries WHERE event_id = $1', [eventId])

describe('delivery races', () => {
	it('a probe that ends in a transform error re-probes instead of staying half-open', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId, destinationId } = await pipeline(h, 'ho', { url: rx.url, circuit_breaker_threshold: 1, circuit_breaker_reset_ms: 1000, retry_max_attempts: 1 }, { transform_expression: 'bad ? $error("boom") : $' })
		await h.send(sourceId, '{"bad":false}')
		await h.until(async () => ((await circuitOf(destinationId)).state === 'open' ? true : undefined))
		const bad = await h.send(sourceId, '{"bad":true}') // queued while open; becomes the probe and fails its transform
		const [probe] = await h.until(async () => {
			const attempts = await attemptsWhere(`event_id=${bad}`)
			return attempts.length > 0 ? attempts : undefined
		}, 5000)
		expect(probe).toMatchObject({ trigger_type: 'probe', error_type: 'transform_error' })
		rx.otherwise({ status: 200 })
		const good = await h.send(sourceId, '{"bad":false}')
		await h.until(async () => ((await statusOf(good)) === 'delivered' ? true : undefined), 5000)
		expect((await circuitOf(destinationId)).state).toBe('closed')
		await rx.stop()
	})

	it('deleting a destination while its attempt is in flight settles the event', async () => {
		const rx = new Receiver().otherwise({ status: 500, delayMs: 300 })
		const { sourceId, destinationId } = await pipeline(h, 'del', { url: rx.url, retry_max_attempts: 5, retry_intervals: [1] })
		const eventId = await h.send(sourceId, '{"a":1}')
		await h.until(async () => (rx.received.length > 0 ? true : undefined))
		expect((await h.api('DELETE', `/v1/destinations/${destinationId}`)).status).toBe(200)
		await h.until(async () => ((await statusOf(eventId)) === 'failed' ? true : undefined), 5000)
		expect(await deliveriesOf(eventId)).toEqual([{ state: 'dead' }])
		await rx.stop()
	})

	it('an event routed just before its destination is deleted leaves no queued delivery', async () => {
		const { sourceId, destinationId } = await pipeline(h, 'rr', { url: 'http://127.0.0.1:9/' })
		const ctx = h.server.ctx
		const auth = await ctx.keys.authenticate(h.key)
		await h.send(sourceId, '{}') // warms the route cache
		const source = await ctx.ingest.admit(sourceId)
		const accepted = ctx.ingest.accept(source, { method: 'POST', url: `${h.url}/v1/ingest/${sourceId}`, headers: new Headers({ 'content-type': 'application/json' }), peerIp: '127.0.0.1', body: new TextEncoder().encode('{"x":1}') })
		await ctx.destinations.remove(auth, destinationId)
		const { event_id } = await accepted
		// SQLite commits the delete first: no delivery at all. PostgreSQL may commit the ingest first
		// (it holds the destination row until then): its delivery is then closed by the deletion.
		const rows = await h.until(async () => {
			const found = (await deliveriesOf(event_id)) as { state: string }[]
			return found.every((r) => r.state === 'dead') ? found : undefined
		})
		if (BACKEND === 'sqlite') expect(rows).toEqual([])
		expect(await statusOf(event_id)).toBe(rows.length === 0 ? 'no_route' : 'failed')
	})

	it('pausing a destination while its probe is in flight keeps the failed probe\'s verdict', async () => {
		const rx = new Receiver().otherwise({ status: 500, delayMs: 300 })
		const { sourceId, destinationId } = await pipeline(h, 'pp', { url: rx.url, circuit_breaker_threshold: 2, circuit_breaker_reset_ms: 1000, retry_max_attempts: 10, retry_intervals: [1] })
		await h.send(sourceId, '{}')
		await h.until(async () => ((await circuitOf(destinationId)).state === 'open' ? true : undefined))
		await h.until(async () => (rx.received.length >= 3 ? true : undefined), 5000) // the probe is in flight
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
		// The probe's failure is recorded with its breaker verdict in one transaction.
		const probe = await h.until(async () => (await attemptsWhere(`destination_id=${destinationId}`)).find((a) => a.trigger_type === 'probe'), 5000)
		expect(probe.status).toBe('failed')
		expect((await circuitOf(destinationId)).state).toBe('open')
		await rx.stop()
	})

	it('a retry whose connection was deleted is abandoned, never sent untransformed', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId, connectionId } = await pipeline(h, 'cd', { url: rx.url, retry_max_attempts: 5, retry_intervals: [300], circuit_breaker_enabled: false }, { transform_expression: '{"id": id}' })
		const eventId = await h.send(sourceId, '{"id":1,"card_number":"4111111111111111"}')
		await h.until(async () => (rx.received.length > 0 ? true : undefined))
		expect(rx.received[0]?.body).toBe('{"id":1}')
		expect((await h.api('DELETE', `/v1/connections/${connectionId}`)).status).toBe(200)
		rx.otherwise({ status: 200 })
		await h.until(async () => ((await statusOf(eventId)) === 'failed' ? true : undefined), 5000)
		expect(rx.received).toHaveLength(1)
		await rx.stop()
	})

	it('one destination that cannot be loaded does not starve the others', async () => {
		const rx = new Receiver()
		const broken = await pipeline(h, 'broken', { url: rx.url })
		const healthy = await pipeline(h, 'healthy', { url: rx.url })
		const destinations = h.server.ctx.destinations
		const original = destinations.resolveForDelivery.bind(destinations)
		destinations.resolveForDelivery = (id: string) => (id === broken.destinationId ? Promise.reject(new Error('cannot open secrets')) : original(id))
		h.server.ctx.worker.destinationChanged(broken.destinationId)
		try {
			await h.send(broken.sourceId, '{}')
			const ok = await h.send(healthy.sourceId, '{}')
			await h.until(async () => ((await statusOf(ok)) === 'delivered' ? true : undefined), 5000)
		} finally {
			destinations.resolveForDelivery = original
		}
		await rx.stop()
	})

	it('a retry due weeks ahead puts the worker to sleep instead of spinning', async () => {
		// Its own server: the worker's sleep is set by the earliest due delivery of every destination.
		const own = await startHarness()
		const rx = new Receiver().script({ status: 500 })
		try {
			const { sourceId } = await pipeline(own, 'far', { url: rx.url, retry_intervals: [600] })
			const eventId = await own.send(sourceId, '{}')
			await own.until(async () => ((await own.api<{ delivery_attempts: unknown[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts.length > 0 ? true : undefined))
			// Push the retry 30 days out: past setTimeout's 2^31 ms limit, where an unclamped timer fires at once.
			await rawSql(own.server.ctx.store).run('UPDATE deliveries SET due_at = $1 WHERE event_id = $2', [Date.now() + 30 * 86_400_000, eventId])
			const delays: number[] = []
			const realSetTimeout = globalThis.setTimeout
			globalThis.setTimeout = ((fn: () => void, ms?: number) => {
				delays.push(Number(ms ?? 0))
				return realSetTimeout(fn, ms)
			}) as typeof setTimeout
			try {
				await own.server.ctx.worker.settled() // one full pass that sees the far retry
			} finally {
				globalThis.setTimeout = realSetTimeout
			}
			expect(delays.length).toBeGreaterThan(0)
			expect(delays.every((d) => d <= 2 ** 31 - 1)).toBe(true)
			expect(Math.max(...delays)).toBeGreaterThanOrEqual(60_000) // a long sleep, not a busy loop
			expect((await own.api<{ event: { status: string } }>('GET', `/v1/events/${eventId}`)).body.event.status).toBe('pending')
		} finally {
			await rx.stop()
			await own.close()
		}
	})
})
