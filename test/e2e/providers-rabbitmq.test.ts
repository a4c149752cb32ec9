import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import amqp from 'amqplib'
import { type Harness, pipeline, startHarness } from './harness'
import { attemptsOf, deliverThrough, failsIntoDlq, settled, sign } from './provider-flow'
import { RABBIT, type Rabbit, startRabbit } from './rabbitmq'
import { serviceAvailable, waitFor } from './services'

const present = serviceAvailable('rabbitmq-server', RABBIT !== null, 'apt-get install -y rabbitmq-server')

interface Got { payload: string; properties: { message_id?: string; content_type?: string; headers?: Record<string, string> } }

describe.skipIf(!present)('rabbitmq against a real RabbitMQ broker', () => {
	let h: Harness
	let rmq: Rabbit
	const guest = () => ({ username: 'guest', password: 'guest' })
	const queue = async (name: string) => expect((await rmq.api('PUT', `/api/queues/%2F/${name}`, { durable: false })).status).toBeLessThan(300)
	const getHttp = async (name: string) => (await rmq.api('POST', `/api/queues/%2F/${name}/get`, { count: 10, ackmode: 'ack_requeue_false', encoding: 'auto' })).body as Got[]
	/** The broker's open connections named after a destination (the gateway names each pooled one). */
	const connections = async (destinationId?: string) =>
		((await rmq.api('GET', '/api/connections')).body as { client_properties?: { connection_name?: string } }[]).filter((c) => (destinationId ? c.client_properties?.connection_name === `hookstream ${destinationId}` : c.client_properties?.connection_name?.startsWith('hookstream '))).length

	beforeAll(async () => {
		rmq = await startRabbit()
		h = await startHarness()
	}, 90_000)
	afterAll(async () => {
		await h?.close()
		await rmq?.stop()
	}, 60_000)

	it('management API: a signed, filtered, transformed event is read back from the queue', async () => {
		await queue('hooks-http')
		const { eventId, body, attempt } = await deliverThrough(h, 'rmq-http', { type: 'rabbitmq', provider_config: { url: rmq.httpUrl, exchange: '', routing_key: 'hooks-http', ...guest() } })
		const [msg] = await getHttp('hooks-http')
		expect(msg?.payload).toBe(body)
		expect(msg?.properties).toMatchObject({ message_id: eventId, content_type: 'application/json', headers: { 'hookstream-event-id': eventId, 'x-hookstream-signature': sign(body) } })
		expect(attempt).toMatchObject({ response_status: 200, response_body: '{"routed":true}' })
		expect(String(attempt.request_headers)).not.toContain(btoa('guest:guest'))
	}, 60_000)

	it('management API: routed:false inside a 200 and a wrong password are failed attempts with the broker\'s words', async () => {
		const { sourceId, destinationId } = await pipeline(h, 'rmq-unrouted', { type: 'rabbitmq', retry_max_attempts: 1, provider_config: { url: rmq.httpUrl, routing_key: 'no-such-queue', ...guest() } })
		const unrouted = await h.send(sourceId, '{"a":1}')
		await settled(h, unrouted, 'failed')
		expect((await attemptsOf(h, unrouted))[0]).toMatchObject({ response_status: 200, error_type: 'provider_error', error: "RabbitMQ routed the message to no queue (routed:false): exchange 'amq.default', routing key 'no-such-queue'" })
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { provider_config: { password: 'wrong' } })
		const denied = await h.send(sourceId, '{"a":2}')
		await settled(h, denied, 'failed')
		expect((await attemptsOf(h, denied))[0]).toMatchObject({ response_status: 401, error_type: 'http_4xx', error: 'HTTP 401 not_authorized: Login failed' })
	}, 60_000)

	it('AMQP: published with confirms on a pooled channel, consumed with its properties and headers', async () => {
		await queue('hooks-amqp')
		const { eventId, body, attempt, destinationId } = await deliverThrough(h, 'rmq-amqp', { type: 'rabbitmq', provider_config: { url: rmq.amqpUrl, routing_key: 'hooks-amqp', ...guest() } })
		const conn = await amqp.connect(`${rmq.amqpUrl}/%2F`)
		try {
			const ch = await conn.createChannel()
			const msg = await ch.get('hooks-amqp', { noAck: true })
			expect(msg && msg.content.toString()).toBe(body)
			expect(msg && msg.properties).toMatchObject({ messageId: eventId, contentType: 'application/json', deliveryMode: 2, headers: { 'x-hookstream-signature': sign(body), 'hookstream-destination-id': destinationId } })
		} finally {
			await conn.close()
		}
		expect(JSON.parse(attempt.response_body ?? '{}')).toMatchObject({ confirmed: true, routing_key: 'hooks-amqp' })
		// The gateway's one pooled connection stays open between attempts; a change to the destination closes it.
		await waitFor('the pooled AMQP connection', async () => ((await connections(destinationId)) === 1 ? true : undefined), 20_000)
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { name: 'renamed' })
		await waitFor('the pooled connection closed on change', async () => ((await connections(destinationId)) === 0 ? true : undefined), 20_000)
	}, 60_000)

	it('AMQP: an unroutable mandatory publish (basic.return) is a failed attempt', async () => {
		const { sourceId } = await pipeline(h, 'rmq-amqp-unrouted', { type: 'rabbitmq', retry_max_attempts: 1, provider_config: { url: rmq.amqpUrl, routing_key: 'nowhere', ...guest() } })
		const eventId = await h.send(sourceId, '{"a":1}')
		await settled(h, eventId, 'failed')
		expect((await attemptsOf(h, eventId))[0]).toMatchObject({ error_type: 'provider_error', error: "RabbitMQ returned the message as unroutable (312 NO_ROUTE): exchange '(default)', routing key 'nowhere'" })
	}, 60_000)

	it('AMQP with a wrong password: ACCESS_REFUSED each attempt, retried, then DLQ, and the breaker opens', async () => {
		await queue('hooks-denied')
		await failsIntoDlq(h, 'rmq-amqp-bad', { type: 'rabbitmq', provider_config: { url: rmq.amqpUrl, routing_key: 'hooks-denied', username: 'guest', password: 'wrong' } }, /ACCESS_REFUSED/)
	}, 60_000)

	it('AMQP: deleting the destination and stopping the server close the pooled connections', async () => {
		await queue('hooks-close')
		const first = await deliverThrough(h, 'rmq-del', { type: 'rabbitmq', provider_config: { url: rmq.amqpUrl, routing_key: 'hooks-close', ...guest() } })
		await waitFor('one pooled connection', async () => ((await connections(first.destinationId)) === 1 ? true : undefined), 20_000)
		await h.api('DELETE', `/v1/connections/${first.connectionId}`)
		expect((await h.api('DELETE', `/v1/destinations/${first.destinationId}`)).status).toBeLessThan(300)
		await waitFor('closed on delete', async () => ((await connections(first.destinationId)) === 0 ? true : undefined), 20_000)
		const other = await startHarness()
		let stopped = ''
		try {
			stopped = (await deliverThrough(other, 'rmq-stop', { type: 'rabbitmq', provider_config: { url: rmq.amqpUrl, routing_key: 'hooks-close', ...guest() } })).destinationId
			await waitFor('one pooled connection', async () => ((await connections(stopped)) === 1 ? true : undefined), 20_000)
		} finally {
			await other.close()
		}
		await waitFor('closed on shutdown', async () => ((await connections(stopped)) === 0 ? true : undefined), 20_000)
	}, 60_000)
})
