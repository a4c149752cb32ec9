import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

type Attempt = Record<string, unknown> & { id: string; status: string; error_type: string | null }
const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status
const attemptsOf = async (eventId: string) => (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts.reverse()
const settled = (eventId: string, status: string) => h.until(async () => ((await statusOf(eventId)) === status ? true : undefined))
const issuesOf = async (destinationId: string) =>
	(await h.api<{ issues: { error_type: string }[] }>('GET', `/v1/issues?destination_id=${destinationId}&status=all`)).body.issues

describe('error_type of failed attempts', () => {
	it('a 3xx answer is http_3xx, not http_4xx, and its issue is grouped under http_3xx', async () => {
		const rx = new Receiver().otherwise({ status: 301, headers: { location: 'https://elsewhere.example/' } })
		const { sourceId, destinationId } = await pipeline(h, 'moved', { url: rx.url, retry_max_attempts: 1, circuit_breaker_enabled: false })
		const eventId = await h.send(sourceId, '{}')
		await settled(eventId, 'failed')
		const [attempt] = await attemptsOf(eventId)
		expect(attempt).toMatchObject({ status: 'failed', response_status: 301, error_type: 'http_3xx' })
		expect((await issuesOf(destinationId)).map((i) => i.error_type)).toEqual(['http_3xx'])
		await rx.stop()
	})

	it('a 4xx stays http_4xx', async () => {
		const rx = new Receiver().otherwise({ status: 410 })
		const { sourceId } = await pipeline(h, 'gone', { url: rx.url, retry_max_attempts: 1, circuit_breaker_enabled: false })
		const eventId = await h.send(sourceId, '{}')
		await settled(eventId, 'failed')
		expect((await attemptsOf(eventId))[0]?.error_type).toBe('http_4xx')
		await rx.stop()
	})

	it('a retry whose connection was deleted is recorded as connection_deleted, with no issue and no breaker count', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId, connectionId, destinationId } = await pipeline(h, 'conn-del', { url: rx.url, retry_max_attempts: 5, retry_intervals: [200], circuit_breaker_threshold: 2 })
		const eventId = await h.send(sourceId, '{}')
		await h.until(async () => ((await attemptsOf(eventId)).length === 1 ? true : undefined))
		expect((await h.api('DELETE', `/v1/connections/${connectionId}`)).status).toBe(200)
		await settled(eventId, 'failed')
		const attempts = await attemptsOf(eventId)
		expect(attempts.map((a) => a.error_type)).toEqual(['http_5xx', 'connection_deleted'])
		expect(attempts[1]).toMatchObject({ is_dlq: 1 })
		expect(rx.received).toHaveLength(1)
		// Only the real failure counted: a threshold of 2 is not reached.
		expect((await h.api<{ circuit: { state: string; failure_count: number } }>('GET', `/v1/destinations/${destinationId}/circuit`)).body.circuit).toMatchObject({ state: 'closed', failure_count: 1 })
		expect(await issuesOf(destinationId)).toEqual([])
		await rx.stop()
	})

	it('a delivery whose event is no longer stored is recorded as event_purged and not retried', async () => {
		const rx = new Receiver()
		const { sourceId, destinationId } = await pipeline(h, 'purged', { url: rx.url, retry_max_attempts: 5, retry_intervals: [1] })
		const { events, deliveries } = h.server.ctx.store
		const original = events.findToDeliver.bind(events)
		const originalClaim = deliveries.claim.bind(deliveries)
		let hidden = ''
		// Retention deletes the event while its delivery is claimed: the worker finds no event to send
		// (neither with the claim nor at send time).
		events.findToDeliver = (id: string) => (id === hidden ? Promise.resolve(null) : original(id))
		deliveries.claim = async (...args: Parameters<typeof originalClaim>) =>
			(await originalClaim(...args)).map((r) => (r.event_id === hidden ? { ...r, ahead: null } : r))
		try {
			await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
			hidden = await h.send(sourceId, '{}')
			await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'active' })
			await h.until(async () => ((await attemptsOf(hidden)).length === 1 ? true : undefined))
		} finally {
			events.findToDeliver = original
			deliveries.claim = originalClaim
		}
		await settled(hidden, 'failed')
		const attempts = await attemptsOf(hidden)
		expect(attempts).toHaveLength(1)
		expect(attempts[0]).toMatchObject({ error_type: 'event_purged', is_dlq: 1 })
		expect(rx.received).toHaveLength(0)
		expect(await issuesOf(destinationId)).toEqual([])
		await rx.stop()
	})
})

describe('delivery attempt field aliases (reference: status_code, latency_ms)', () => {
	it('returns status_code and latency_ms equal to response_status and duration_ms, in lists and detail', async () => {
		const rx = new Receiver().otherwise({ status: 202, delayMs: 30 })
		const { sourceId } = await pipeline(h, 'alias', { url: rx.url })
		const eventId = await h.send(sourceId, '{}')
		await settled(eventId, 'delivered')
		const [listed] = await attemptsOf(eventId)
		expect(listed).toMatchObject({ response_status: 202, status_code: 202 })
		expect(listed?.latency_ms).toBe(listed?.duration_ms as number)
		expect(listed?.latency_ms as number).toBeGreaterThanOrEqual(30)
		const one = (await h.api<{ delivery_attempt: Attempt }>('GET', `/v1/delivery-attempts/${listed?.id}`)).body.delivery_attempt
		expect(one).toMatchObject({ status_code: 202, latency_ms: listed?.duration_ms })
		await rx.stop()
	})

	it('a network failure has null status_code', async () => {
		const rx = new Receiver()
		const url = rx.url
		await rx.stop()
		const { sourceId } = await pipeline(h, 'alias-null', { url, retry_max_attempts: 1, circuit_breaker_enabled: false })
		const eventId = await h.send(sourceId, '{}')
		await settled(eventId, 'failed')
		const [a] = await attemptsOf(eventId)
		expect(a).toMatchObject({ error_type: 'network_error', response_status: null, status_code: null })
		expect(a?.latency_ms).toBe(a?.duration_ms as number)
	})
})
