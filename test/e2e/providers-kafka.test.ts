import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs'
import { type Harness, pipeline, startHarness } from './harness'
import { KCAT, type KafkaMock, startKafkaMock } from './kafka'
import { attemptsOf, deliverThrough, failsIntoDlq, settled, sign } from './provider-flow'
import { freePort, serviceAvailable } from './services'

const present = serviceAvailable('kcat (librdkafka mock cluster)', KCAT !== null, 'apt-get install -y kcat')

interface RestRecord { key?: { type: string; data: string }; value?: { type: string; data: unknown }; headers?: { name: string; value: string }[] }

/**
 * Confluent REST Proxy v3's records endpoint, to its OpenAPI spec (no proxy runs offline):
 * Basic auth, JSON only, base64 header values; each record is produced into the real mock
 * broker and answered with its partition and offset, or a per-record error_code inside a 200.
 */
function startRestProxy(producer: Producer, auth: string) {
	return Bun.serve({
		port: 0, hostname: '127.0.0.1',
		async fetch(req) {
			const m = /^\/kafka\/v3\/clusters\/([^/]+)\/topics\/([^/]+)\/records$/.exec(new URL(req.url).pathname)
			if (!m || req.method !== 'POST') return Response.json({ error_code: 404, message: 'HTTP 404 Not Found' }, { status: 404 })
			if (req.headers.get('authorization') !== `Basic ${btoa(auth)}`) return Response.json({ error_code: 40101, message: 'Authentication failed' }, { status: 401 })
			if (!req.headers.get('content-type')?.startsWith('application/json')) return Response.json({ error_code: 415, message: 'HTTP 415 Unsupported Media Type' }, { status: 415 })
			if (m[1] !== 'lkc-test') return Response.json({ error_code: 404, message: `Cluster ${m[1]} cannot be found.` }, { status: 404 })
			const record = (await req.json()) as RestRecord
			const headers: Record<string, string> = {}
			for (const h of record.headers ?? []) {
				if (!/^[A-Za-z0-9+/]*={0,2}$/.test(h.value)) return Response.json({ error_code: 400, message: `Bad Request: ${h.value} is not a base64 string.` }, { status: 400 })
				headers[h.name] = Buffer.from(h.value, 'base64').toString('utf8')
			}
			const topic = decodeURIComponent(m[2] ?? '')
			if (topic === 'refused') return Response.json({ error_code: 40403, message: 'This server does not host this topic-partition.' })
			const value = record.value?.type === 'JSON' ? JSON.stringify(record.value.data) : Buffer.from(String(record.value?.data ?? ''), 'base64')
			const [meta] = await producer.send({ topic, acks: -1, messages: [{ key: record.key?.data ?? null, value, headers }] })
			return Response.json({ error_code: 200, cluster_id: m[1], topic_name: topic, partition_id: meta?.partition, offset: Number(meta?.baseOffset), timestamp: new Date().toISOString(), key: { type: 'STRING', size: record.key?.data.length ?? 0 }, value: { type: record.value?.type, size: value.length } })
		}
	})
}

describe.skipIf(!present)('kafka against librdkafka\'s mock cluster', () => {
	let h: Harness
	let mock: KafkaMock
	let producer: Producer
	let proxy: ReturnType<typeof Bun.serve>

	beforeAll(async () => {
		mock = await startKafkaMock()
		producer = new Kafka({ clientId: 'rest-fake', brokers: [mock.bootstrap], logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner })
		await producer.connect()
		proxy = startRestProxy(producer, 'KEY1:rest-secret')
		h = await startHarness()
	}, 60_000)
	afterAll(async () => {
		await h?.close()
		await proxy?.stop(true)
		await producer?.disconnect()
		await mock?.stop()
	}, 30_000)

	it('native: kafkajs with acks=-1; the record is consumed with kcat: key from the configured field, headers, transformed value', async () => {
		const { eventId, body, attempt, destinationId } = await deliverThrough(h, 'kafka-native', { type: 'kafka', provider_config: { protocol: 'native', bootstrap_servers: mock.bootstrap, topic: 'hooks-native', key_field: 'payload.order' } })
		const [rec] = await mock.read('hooks-native', 1)
		expect(rec?.value).toBe(body)
		expect(rec?.key).toBe(String(JSON.parse(body).order))
		expect(rec?.headers).toContain(`hookstream-event-id=${eventId}`)
		expect(rec?.headers).toContain(`hookstream-destination-id=${destinationId}`)
		expect(rec?.headers).toContain(`x-hookstream-signature=${sign(body)}`)
		expect(JSON.parse(attempt.response_body ?? '{}')).toEqual({ topic: 'hooks-native', partition: rec?.partition, offset: String(rec?.offset), key: rec?.key })
	}, 60_000)

	it('native: an unreachable broker fails each attempt, retried, then DLQ, and the breaker opens', async () => {
		const port = await freePort()
		await failsIntoDlq(h, 'kafka-down', { type: 'kafka', timeout_ms: 3000, provider_config: { protocol: 'native', bootstrap_servers: `127.0.0.1:${port}`, topic: 'hooks' } }, /ECONNREFUSED|Connection error|connect/i)
	}, 60_000)

	it('REST v3: Basic auth, base64 headers; the proxy produces into the broker and the record is read back', async () => {
		const config = { bootstrap_servers: 'pkc-test.local:9092', cluster_id: 'lkc-test', topic: 'hooks-rest', api_key: 'KEY1', api_secret: 'rest-secret', endpoint: `${proxy.url.origin}/kafka` }
		const { eventId, body, attempt } = await deliverThrough(h, 'kafka-rest', { type: 'kafka', provider_config: config })
		const [rec] = await mock.read('hooks-rest', 1)
		expect(rec).toMatchObject({ key: eventId, value: body })
		expect(rec?.headers).toContain(`x-hookstream-signature=${sign(body)}`)
		expect(JSON.parse(attempt.response_body ?? '{}')).toMatchObject({ error_code: 200, topic_name: 'hooks-rest', partition_id: rec?.partition, offset: rec?.offset })
		expect(String(attempt.request_headers)).not.toContain(btoa('KEY1:rest-secret'))
	}, 60_000)

	it('REST v3: a per-record error_code inside a 200 and a wrong secret are failed attempts with the proxy\'s message', async () => {
		const base = { bootstrap_servers: 'pkc-test.local:9092', cluster_id: 'lkc-test', api_key: 'KEY1', api_secret: 'rest-secret', endpoint: `${proxy.url.origin}/kafka` }
		const { sourceId, destinationId } = await pipeline(h, 'kafka-refused', { type: 'kafka', retry_max_attempts: 1, provider_config: { ...base, topic: 'refused' } })
		const refused = await h.send(sourceId, '{"a":1}')
		await settled(h, refused, 'failed')
		expect((await attemptsOf(h, refused))[0]).toMatchObject({ response_status: 200, error_type: 'provider_error', error: 'Kafka REST refused the record: error_code 40403: This server does not host this topic-partition.' })
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { provider_config: { topic: 'hooks-rest', api_secret: 'wrong' } })
		const denied = await h.send(sourceId, '{"a":2}')
		await settled(h, denied, 'failed')
		expect((await attemptsOf(h, denied))[0]).toMatchObject({ response_status: 401, error_type: 'http_4xx', error: 'HTTP 401 40101: Authentication failed' })
	}, 60_000)
})
