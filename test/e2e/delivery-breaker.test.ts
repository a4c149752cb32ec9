import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

let h: Harness
beforeAll(async () => {
	// One attempt at a time per destination, so the queue drains in order.
	h = await startHarness({ 'destination-concurrency': '1' })
})
afterAll(() => h.close())

type Circuit = { state: string; failure_count: number; opened_at: string | null; next_probe_at: string | null; last_transition_at: string | null }
const circuitOf = async (id: string) => (await h.api<{ circuit: Circuit }>('GET', `/v1/destinations/${id}/circuit`)).body.circuit
const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status

describe('circuit breaker', () => {
	it('opens after the threshold, queues without dropping, probes once, closes and drains in order', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId, destinationId } = await pipeline(h, 'cb', { url: rx.url, circuit_breaker_threshold: 2, circuit_breaker_reset_ms: 1000, retry_max_attempts: 10, retry_intervals: [1] })
		const first = await h.send(sourceId, '{"seq":0}')
		const opened = await h.until(async () => {
			const c = await circuitOf(destinationId)
			return c.state === 'open' ? c : undefined
		})
		expect(opened.failure_count).toBe(2)
		expect(Date.parse(opened.next_probe_at ?? '') - Date.parse(opened.opened_at ?? '')).toBe(1000)
		// The live breaker shows at once; the issue comes with the attempt's commit.
		await h.until(async () => {
			const issues = (await h.api<{ issues: { error_type: string }[] }>('GET', `/v1/issues?destination_id=${destinationId}`)).body.issues
			return issues.some((i) => i.error_type === 'circuit_open') ? true : undefined
		})

		// While open: new events are queued, none is attempted, none dropped.
		const seen = rx.received.length
		const queued = [] as string[]
		for (let i = 1; i <= 5; i++) queued.push(await h.send(sourceId, `{"seq":${i}}`))
		// The worker has looked at all five and sent none (the probe is 1 s away).
		await h.server.ctx.worker.settled()
		expect(rx.received.length).toBe(seen)
		for (const id of queued) expect(await statusOf(id)).toBe('pending')

		// The probe succeeds: closed, and the queue drains in order.
		rx.otherwise({ status: 200 })
		await h.until(async () => ((await statusOf(queued.at(-1) as string)) === 'delivered' ? true : undefined), 5000)
		const c = await circuitOf(destinationId)
		expect(c).toMatchObject({ state: 'closed', failure_count: 0, next_probe_at: null })
		const order = rx.received.slice(seen).map((r) => (JSON.parse(r.body) as { seq: number }).seq)
		expect(order).toEqual([0, 1, 2, 3, 4, 5])
		expect(await statusOf(first)).toBe('delivered')
		const probe = (await h.api<{ delivery_attempts: { trigger_type: string }[] }>('GET', `/v1/delivery-attempts?destination_id=${destinationId}&status=success`)).body.delivery_attempts.at(-1)
		expect(probe?.trigger_type).toBe('probe')
		await rx.stop()
	})

	it('reopens when the probe fails', async () => {
		const rx = new Receiver().otherwise({ status: 503 })
		const { sourceId, destinationId } = await pipeline(h, 'cb2', { url: rx.url, circuit_breaker_threshold: 1, circuit_breaker_reset_ms: 1000, retry_max_attempts: 10, retry_intervals: [1] })
		await h.send(sourceId, '{}')
		const opened = await h.until(async () => {
			const c = await circuitOf(destinationId)
			return c.state === 'open' ? c : undefined
		})
		const reopened = await h.until(async () => {
			const c = await circuitOf(destinationId)
			return c.state === 'open' && c.opened_at !== opened.opened_at ? c : undefined
		}, 5000)
		expect(Date.parse(reopened.opened_at ?? '')).toBeGreaterThanOrEqual(Date.parse(opened.next_probe_at ?? ''))
		expect(rx.received).toHaveLength(2) // the first failure and one probe, nothing in between
		await rx.stop()
	})

	it('manual reset closes the breaker and drains the queue at once', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId, destinationId } = await pipeline(h, 'cb3', { url: rx.url, circuit_breaker_threshold: 1, circuit_breaker_reset_ms: 600000, retry_max_attempts: 10, retry_intervals: [1] })
		const eventId = await h.send(sourceId, '{}')
		await h.until(async () => ((await circuitOf(destinationId)).state === 'open' ? true : undefined))
		rx.otherwise({ status: 200 })
		const reset = await h.api<{ circuit: Circuit }>('POST', `/v1/destinations/${destinationId}/circuit/reset`)
		expect(reset.body.circuit).toMatchObject({ state: 'closed', failure_count: 0 })
		await h.until(async () => ((await statusOf(eventId)) === 'delivered' ? true : undefined), 5000)
		await rx.stop()
	})
})
