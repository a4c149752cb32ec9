import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

type Attempt = Record<string, unknown> & { id: string; status: string; attempt_number: number; is_dlq: number; created_at: string; next_retry_at: string | null }
const eventOf = async (id: string) => (await h.api<{ event: Record<string, unknown> }>('GET', `/v1/events/${id}`)).body.event
const attemptsOf = async (eventId: string) => (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts.reverse()
const settled = (eventId: string, status: string) => h.until(async () => ((await eventOf(eventId)).status === status ? true : undefined))

describe('delivery failures', () => {
	it('retries after a 500 and then succeeds, keeping both attempts', async () => {
		const rx = new Receiver().script({ status: 500, body: 'oops' })
		const { sourceId } = await pipeline(h, 'retry', { url: rx.url, retry_intervals: [1, 1] })
		const eventId = await h.send(sourceId, '{"n":1}')
		await settled(eventId, 'delivered')
		const attempts = await attemptsOf(eventId)
		expect(attempts.map((a) => [a.attempt_number, a.status, a.response_status, a.trigger_type])).toEqual([[1, 'failed', 500, 'initial'], [2, 'success', 200, 'retry']])
		expect(attempts[0]).toMatchObject({ error_type: 'http_5xx', response_body: 'oops', is_dlq: 0 })
		expect(attempts[0]?.next_retry_at).not.toBeNull()
		expect(rx.received.map((r) => r.headers['x-hookstream-delivery-attempt'])).toEqual(['1', '2'])
		await rx.stop()
	})

	it('exhausts retry_max_attempts into the DLQ, opens an issue, and retries manually', async () => {
		const rx = new Receiver().otherwise({ status: 502 })
		const { sourceId, destinationId } = await pipeline(h, 'dlq', { url: rx.url, retry_max_attempts: 3, retry_intervals: [1], circuit_breaker_enabled: false })
		const eventId = await h.send(sourceId, '{"n":2}')
		await settled(eventId, 'failed')
		const attempts = await attemptsOf(eventId)
		expect(attempts.map((a) => [a.attempt_number, a.is_dlq])).toEqual([[1, 0], [2, 0], [3, 1]])
		expect(attempts[2]?.dlq_at).not.toBeNull()
		const dlq = (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?is_dlq=1&destination_id=${destinationId}`)).body.delivery_attempts
		expect(dlq.map((a) => a.id)).toEqual([attempts[2]?.id as string])
		const issues = (await h.api<{ issues: { id: string; error_type: string; occurrence_count: number; recent_attempt_ids: string[] }[] }>('GET', `/v1/issues?destination_id=${destinationId}`)).body.issues
		expect(issues).toHaveLength(1)
		expect(issues[0]).toMatchObject({ error_type: 'http_5xx', occurrence_count: 1, recent_attempt_ids: [attempts[2]?.id] })
		expect((await h.api('GET', '/v1/issues/summary')).body).toMatchObject({ open: expect.any(Number) })

		// Manual retry of the event: new attempts, old ones untouched.
		rx.otherwise({ status: 200 })
		const retried = await h.api<{ retried: string[] }>('POST', `/v1/events/${eventId}/retry`)
		expect(retried.body.retried).toEqual([attempts[2]?.id as string])
		await settled(eventId, 'delivered')
		const after = await attemptsOf(eventId)
		expect(after).toHaveLength(4)
		expect(after.slice(0, 3)).toEqual(attempts)
		expect(after[3]).toMatchObject({ status: 'success', trigger_type: 'manual_retry', attempt_number: 1 })
		// Nothing left to retry.
		expect((await h.api<{ retried: string[] }>('POST', `/v1/events/${eventId}/retry`)).body.retried).toEqual([])
		await rx.stop()
	})

	it('retries one attempt, and every delivery of an issue', async () => {
		const rx = new Receiver().otherwise({ status: 404 })
		const { sourceId } = await pipeline(h, 'manual', { url: rx.url, retry_max_attempts: 1, circuit_breaker_enabled: false })
		const a = await h.send(sourceId, '{"n":"a"}')
		const b = await h.send(sourceId, '{"n":"b"}')
		await settled(a, 'failed')
		await settled(b, 'failed')
		const [attemptA] = await attemptsOf(a)
		expect(attemptA?.error_type).toBe('http_4xx')
		rx.otherwise({ status: 200 })
		const one = await h.api<{ retried: string[] }>('POST', `/v1/delivery-attempts/${attemptA?.id}/retry`)
		expect(one.status).toBe(200)
		await settled(a, 'delivered')
		expect((await eventOf(b)).status).toBe('failed')
		const issues = (await h.api<{ issues: { id: string; destination_id: string; error_type: string }[] }>('GET', '/v1/issues?status=all')).body.issues
		const mine = issues.find((i) => i.error_type === 'http_4xx')
		expect(mine).toBeDefined()
		const bulk = await h.api<{ retried: string[] }>('POST', `/v1/issues/${mine?.id}/retry`)
		expect(bulk.body.retried).toHaveLength(1)
		await settled(b, 'delivered')
		expect((await h.api('POST', '/v1/delivery-attempts/da_00000000000000000000000000000000/retry')).status).toBe(404)
		await rx.stop()
	})

	it('an event retried twice reports one retried delivery, not one per old DLQ attempt', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId } = await pipeline(h, 'twice', { url: rx.url, retry_max_attempts: 1, circuit_breaker_enabled: false })
		const eventId = await h.send(sourceId, '{}')
		await settled(eventId, 'failed')
		expect((await h.api<{ retried: string[] }>('POST', `/v1/events/${eventId}/retry`)).body.retried).toHaveLength(1)
		await h.until(async () => ((await attemptsOf(eventId)).length === 2 && (await eventOf(eventId)).status === 'failed' ? true : undefined))
		const again = await h.api<{ retried: string[] }>('POST', `/v1/events/${eventId}/retry`)
		const attempts = await attemptsOf(eventId)
		expect(again.body.retried).toEqual([attempts[1]?.id as string])
		await rx.stop()
	})

	it('honours Retry-After on 503, capped at twice the computed delay', async () => {
		const slow = await startHarness({ 'retry-unit-ms': '100' })
		const rx = new Receiver().script({ status: 503, headers: { 'retry-after': '1' } })
		const s = await slow.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'ra', slug: 'ra' })
		const d = await slow.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: 'ra', slug: 'ra', url: rx.url, retry_intervals: [2] })
		await slow.api('POST', '/v1/connections', { name: 'ra', source_id: s.body.source.id, destination_id: d.body.destination.id })
		const eventId = await slow.send(s.body.source.id, '{}')
		await slow.until(async () => ((await slow.api<{ event: { status: string } }>('GET', `/v1/events/${eventId}`)).body.event.status === 'delivered' ? true : undefined))
		const [first] = (await slow.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts.reverse()
		// Computed delay 2 × 100 ms; Retry-After asks 1000 ms; the cap is 400 ms.
		expect(Date.parse(first?.next_retry_at ?? '') - Date.parse(first?.created_at ?? '')).toBe(400)
		expect(rx.received[1]!.at - rx.received[0]!.at).toBeGreaterThanOrEqual(390)
		await rx.stop()
		await slow.close()
	})

	it('times out a slow receiver', async () => {
		const rx = new Receiver().otherwise({ status: 200, delayMs: 1500 })
		const { sourceId } = await pipeline(h, 'slow', { url: rx.url, timeout_ms: 1000, retry_max_attempts: 1 })
		const eventId = await h.send(sourceId, '{}')
		await settled(eventId, 'failed')
		const [attempt] = await attemptsOf(eventId)
		expect(attempt).toMatchObject({ error_type: 'timeout', response_status: null, is_dlq: 1 })
		expect(String(attempt?.error)).toContain('timed out after 1000 ms')
		await rx.stop()
	})

	it('does not follow redirects', async () => {
		const target = new Receiver()
		const rx = new Receiver().otherwise({ status: 302, headers: { location: `${target.url}/elsewhere` } })
		const { sourceId } = await pipeline(h, 'redirect', { url: rx.url, retry_max_attempts: 1 })
		const eventId = await h.send(sourceId, '{}')
		await settled(eventId, 'failed')
		const [attempt] = await attemptsOf(eventId)
		expect(attempt).toMatchObject({ response_status: 302, status: 'failed' })
		expect(String(attempt?.error)).toContain('redirect not followed')
		expect(target.received).toHaveLength(0)
		await rx.stop()
		await target.stop()
	})

	it('refuses private and loopback destinations unless allowed', async () => {
		const strict = await startHarness({ 'allow-private-destinations': false })
		const rx = new Receiver()
		const s = await strict.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'ssrf', slug: 'ssrf' })
		const d = await strict.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: 'ssrf', slug: 'ssrf', url: rx.url, retry_max_attempts: 1 })
		await strict.api('POST', '/v1/connections', { name: 'ssrf', source_id: s.body.source.id, destination_id: d.body.destination.id })
		const eventId = await strict.send(s.body.source.id, '{}')
		await strict.until(async () => ((await strict.api<{ event: { status: string } }>('GET', `/v1/events/${eventId}`)).body.event.status === 'failed' ? true : undefined))
		const [attempt] = (await strict.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts
		expect(attempt).toMatchObject({ error_type: 'network_error' })
		expect(String(attempt?.error)).toContain('private or internal')
		expect(rx.received).toHaveLength(0)
		await rx.stop()
		await strict.close()
	})
})
