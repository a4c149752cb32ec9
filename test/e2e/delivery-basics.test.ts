import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { webCryptoHmac } from '../unit/verify/helpers'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

let h: Harness
let rx: Receiver
beforeAll(async () => {
	h = await startHarness()
	rx = new Receiver()
})
afterAll(async () => {
	await h.close()
	await rx.stop()
})

type Attempt = Record<string, unknown> & { status: string; attempt_number: number; is_dlq: number }
const eventOf = async (id: string) => (await h.api<{ event: Record<string, unknown> }>('GET', `/v1/events/${id}`)).body.event
const attemptsOf = async (eventId: string) => (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts
const settled = (eventId: string, status: string) => h.until(async () => ((await eventOf(eventId)).status === status ? true : undefined))

describe('delivery to a real receiver', () => {
	it('delivers the raw body with the contract headers, auth and signature, and records the attempt', async () => {
		const { sourceId } = await pipeline(h, 'basic', {
			url: `${rx.url}/hook?x=1`, headers: { 'X-Team': 'payments' }, auth_type: 'bearer', auth_config: { token: 'tok_secret_123456' },
			signing_config: { secret: 'outbound-signing-secret', include_timestamp: true }
		})
		const before = rx.received.length
		const body = '{"order":42,"note":"ünïcode"}'
		const eventId = await h.send(sourceId, body)
		const [req] = (await rx.waitFor(before + 1)).slice(before)
		expect(req?.path).toBe('/hook?x=1')
		expect(req?.body).toBe(body)
		expect(req?.headers).toMatchObject({
			'content-type': 'application/json', 'x-team': 'payments', authorization: 'Bearer tok_secret_123456',
			'x-hookstream-event-id': eventId, 'x-hookstream-delivery-attempt': '1'
		})
		// The receiver verifies the signature over `{unix_ts}.{body}` with the shared secret.
		const ts = req?.headers['x-hookstream-timestamp'] ?? ''
		expect(ts).toMatch(/^\d+$/)
		expect(req?.headers['x-hookstream-signature']).toBe(`sha256=${await webCryptoHmac('SHA-256', 'outbound-signing-secret', `${ts}.${body}`, 'hex')}`)
		await settled(eventId, 'delivered')
		const [attempt] = await attemptsOf(eventId)
		// The event detail embeds its attempts.
		expect(((await eventOf(eventId)).delivery_attempts as { id: string }[]).map((a) => a.id)).toEqual([attempt?.id as string])
		expect(attempt).toMatchObject({ status: 'success', attempt_number: 1, response_status: 200, response_body: 'ok', is_dlq: 0, trigger_type: 'initial', request_method: 'POST' })
		// Credentials are masked in the recorded request headers.
		expect(String(attempt?.request_headers)).not.toContain('tok_secret_123456')
	})

	it('fans out to two connections, each with its own transform', async () => {
		const rx2 = new Receiver()
		const first = await pipeline(h, 'fan', { url: `${rx.url}/a` })
		const d2 = await h.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: 'fan2', slug: 'fan2-dst', url: `${rx2.url}/b` })
		await h.api('POST', '/v1/connections', { name: 'fan2', source_id: first.sourceId, destination_id: d2.body.destination.id, transform_expression: '{"id": order, "kind": "transformed"}' })
		const before = rx.received.length
		const eventId = await h.send(first.sourceId, '{"order":7}')
		await rx.waitFor(before + 1)
		const [got] = await rx2.waitFor(1)
		expect(rx.received.at(-1)?.body).toBe('{"order":7}')
		expect(JSON.parse(got?.body ?? '')).toEqual({ id: 7, kind: 'transformed' })
		expect(got?.headers['content-type']).toBe('application/json')
		await settled(eventId, 'delivered')
		expect(await attemptsOf(eventId)).toHaveLength(2)
		await rx2.stop()
	})

	it('routes by filters: matching events are delivered, others are marked filtered', async () => {
		const { sourceId } = await pipeline(h, 'filtered', { url: `${rx.url}/f` }, {
			filter_rules: [
				{ field: 'payload.type', op: 'in', value: ['order.created', 'order.paid'] },
				{ field: 'payload.amount', op: 'gte', value: 100 },
				{ field: 'headers.x-shop', op: 'exists', value: true },
				{ field: 'method', op: 'eq', value: 'POST' }
			]
		})
		const yes = await h.send(sourceId, '{"type":"order.paid","amount":150}', { 'x-shop': 'a' })
		const lowAmount = await h.send(sourceId, '{"type":"order.paid","amount":99}', { 'x-shop': 'a' })
		const noHeader = await h.send(sourceId, '{"type":"order.paid","amount":150}')
		const wrongType = await h.send(sourceId, '{"type":"order.refunded","amount":150}', { 'x-shop': 'a' })
		await settled(yes, 'delivered')
		await h.server.ctx.worker.settled()
		for (const id of [lowAmount, noHeader, wrongType]) {
			expect((await eventOf(id)).status).toBe('filtered')
			expect(await attemptsOf(id)).toHaveLength(0)
		}
	})

	it('marks events of a source without connections no_route, and never routes duplicates', async () => {
		const lone = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'lone', slug: 'lone' })
		expect((await eventOf(await h.send(lone.body.source.id, '{}'))).status).toBe('no_route')
		const { sourceId } = await pipeline(h, 'dedup', { url: `${rx.url}/d` }, {}, { dedup_strategy: 'payload_hash' })
		const first = await h.send(sourceId, '{"same":1}')
		const dup = await h.send(sourceId, '{"same":1}')
		await settled(first, 'delivered')
		expect(await eventOf(dup)).toMatchObject({ dedup_status: 'duplicate', status: 'no_route' })
		expect(await attemptsOf(dup)).toHaveLength(0)
	})

	it('records a transform error once, without retrying, in the DLQ with an issue', async () => {
		const { sourceId, destinationId } = await pipeline(h, 'badtransform', { url: `${rx.url}/t`, retry_max_attempts: 5 }, { transform_expression: '$error("boom")' })
		const before = rx.received.length
		const eventId = await h.send(sourceId, '{"a":1}')
		await settled(eventId, 'failed')
		const attempts = await attemptsOf(eventId)
		expect(attempts).toHaveLength(1)
		expect(attempts[0]).toMatchObject({ status: 'failed', error_type: 'transform_error', is_dlq: 1 })
		expect(rx.received.length).toBe(before) // nothing was sent
		const issues = (await h.api<{ issues: Record<string, unknown>[] }>('GET', `/v1/issues?destination_id=${destinationId}`)).body.issues
		expect(issues).toMatchObject([{ error_type: 'transform_error', status: 'open', occurrence_count: 1 }])
	})
})

describe('deleting a destination', () => {
	it('closes its pending deliveries so their events settle', async () => {
		const { sourceId, destinationId } = await pipeline(h, 'gone', { url: `${rx.url}/gone` })
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
		const before = rx.received.length
		const eventId = await h.send(sourceId, '{}')
		await h.server.ctx.worker.settled() // the worker has seen the queued delivery and held it
		expect(rx.received.length).toBe(before) // held while paused
		expect((await eventOf(eventId)).status).toBe('pending')
		expect((await h.api('DELETE', `/v1/destinations/${destinationId}`)).status).toBe(200)
		await settled(eventId, 'failed')
	})
})
