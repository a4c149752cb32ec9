import { expect } from 'bun:test'
import { createHmac } from 'node:crypto'
import { type Harness, pipeline } from './harness'

export const SIGNING_SECRET = 'provider-signing-secret'
/** Only `kind: order` events pass the connection's filter; the transform reshapes them. */
export const FILTER = [{ field: 'payload.kind', op: 'eq', value: 'order' }]
export const TRANSFORM = '{"order": id, "via": "hookstream"}'

export type Attempt = Record<string, unknown> & { status: string; attempt_number: number; is_dlq: number; error: string | null; response_body: string | null; error_type: string | null }

export const sign = (body: string) => `sha256=${createHmac('sha256', SIGNING_SECRET).update(body).digest('hex')}`
export const attemptsOf = async (h: Harness, eventId: string) => (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts
export const eventStatus = async (h: Harness, eventId: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${eventId}`)).body.event.status
export const settled = (h: Harness, eventId: string, status: string) => h.until(async () => ((await eventStatus(h, eventId)) === status ? true : undefined), 20_000)

/**
 * Sends a filtered-out event and a matching one through a signed, filtered, transformed
 * connection to `destination`; waits for the matching one to be delivered.
 */
export async function deliverThrough(h: Harness, name: string, destination: Record<string, unknown>) {
	const ids = await pipeline(h, name, { signing_config: { secret: SIGNING_SECRET }, ...destination }, { filter_rules: FILTER, transform_expression: TRANSFORM })
	const skipped = await h.send(ids.sourceId, '{"kind":"refund","id":1}')
	const id = Math.floor(Math.random() * 1e9)
	const eventId = await h.send(ids.sourceId, JSON.stringify({ kind: 'order', id }))
	const body = JSON.stringify({ order: id, via: 'hookstream' })
	await settled(h, eventId, 'delivered')
	expect(await attemptsOf(h, skipped)).toEqual([])
	const [attempt] = await attemptsOf(h, eventId)
	return { ...ids, eventId, body, attempt: attempt as Attempt }
}

/** An attempt that fails the same way each time: 2 attempts, then DLQ; the breaker (threshold 2) opens; issues opened. */
export async function failsIntoDlq(h: Harness, name: string, destination: Record<string, unknown>, errorPattern: RegExp) {
	const ids = await pipeline(h, name, { retry_max_attempts: 2, retry_intervals: [1], circuit_breaker_threshold: 2, circuit_breaker_reset_ms: 600000, ...destination })
	const eventId = await h.send(ids.sourceId, '{"kind":"order","id":2}')
	const attempts = await h.until(async () => {
		const a = await attemptsOf(h, eventId)
		return a.some((x) => x.is_dlq === 1) ? a : undefined
	}, 30_000)
	expect(attempts.map((a) => [a.attempt_number, a.status, a.is_dlq]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([[1, 'failed', 0], [2, 'failed', 1]])
	for (const a of attempts) expect(a.error ?? '').toMatch(errorPattern)
	const circuit = (await h.api<{ circuit: { state: string } }>('GET', `/v1/destinations/${ids.destinationId}/circuit`)).body.circuit
	expect(circuit.state).toBe('open')
	const issues = (await h.api<{ issues: { error_type: string; destination_id: string }[] }>('GET', '/v1/issues?limit=100')).body.issues.filter((i) => i.destination_id === ids.destinationId)
	expect(issues.map((i) => i.error_type)).toContain('circuit_open')
	expect(await eventStatus(h, eventId)).toBe('failed')
	return { ...ids, eventId, attempts }
}
