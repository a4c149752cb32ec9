import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHash } from 'node:crypto'
import { type Harness, pipeline, startHarness } from './harness'
import { MOTO, type Moto, startMoto } from './moto'
import { attemptsOf, deliverThrough, failsIntoDlq, settled, sign } from './provider-flow'
import { serviceAvailable } from './services'

const present = serviceAvailable('moto_server (AWS SQS, S3, EventBridge)', MOTO !== null, 'pip install "moto[server]"; it ships with this machine image')

interface SqsMessage { Body: string; MessageAttributes?: Record<string, { StringValue: string }>; Attributes?: Record<string, string> }

describe.skipIf(!present)('AWS providers against moto with SigV4 checking on', () => {
	let h: Harness
	let moto: Moto
	const creds = () => ({ region: 'us-east-1', access_key_id: moto.key.accessKeyId, secret_access_key: moto.key.secretAccessKey, endpoint: moto.url })
	const receive = async (queueUrl: string) => {
		const got = await moto.json<{ Messages?: SqsMessage[] }>('sqs', 'ReceiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], AttributeNames: ['All'], WaitTimeSeconds: 1 })
		return got.Messages ?? []
	}
	const queue = async (name: string, attributes: Record<string, string> = {}) => (await moto.json<{ QueueUrl: string }>('sqs', 'CreateQueue', { QueueName: name, Attributes: attributes })).QueueUrl

	beforeAll(async () => {
		moto = await startMoto()
		h = await startHarness()
	}, 60_000)
	afterAll(async () => {
		await h?.close()
		await moto?.stop()
	}, 30_000)

	it('aws_sqs: a signed, filtered, transformed event is read back with ReceiveMessage, attributes and MD5 intact', async () => {
		const queueUrl = await queue('hooks')
		const { eventId, body, attempt } = await deliverThrough(h, 'sqs', { type: 'aws_sqs', provider_config: { ...creds(), queue_url: queueUrl } })
		const [msg] = await receive(queueUrl)
		expect(msg?.Body).toBe(body)
		expect(msg?.MessageAttributes?.['x-hookstream-event-id']?.StringValue).toBe(eventId)
		expect(msg?.MessageAttributes?.['x-hookstream-signature']?.StringValue).toBe(sign(body))
		const answer = JSON.parse(attempt.response_body ?? '{}') as { MessageId: string; MD5OfMessageBody: string }
		expect(answer.MessageId).toBeString()
		expect(answer.MD5OfMessageBody).toBe(createHash('md5').update(body).digest('hex'))
		// The recorded request shows the signing key id, never the signature or the secret.
		expect(String(attempt.request_headers)).toContain(`Credential=${moto.key.accessKeyId}/`)
		expect(String(attempt.request_headers)).not.toContain(moto.key.secretAccessKey)
	}, 60_000)

	it('aws_sqs FIFO: MessageGroupId from the config, MessageDeduplicationId from the event', async () => {
		const queueUrl = await queue('hooks.fifo', { FifoQueue: 'true' })
		const { eventId } = await deliverThrough(h, 'sqs-fifo', { type: 'sqs', provider_config: { ...creds(), queue_url: queueUrl, message_group_id: 'tenant-1' } })
		const [msg] = await receive(queueUrl)
		expect(msg?.Attributes).toMatchObject({ MessageGroupId: 'tenant-1', MessageDeduplicationId: eventId })
	}, 60_000)

	it('aws_sqs with a wrong secret: each attempt fails with SignatureDoesNotMatch, retried, then DLQ, and the breaker opens', async () => {
		const queueUrl = await queue('hooks-denied')
		const { attempts } = await failsIntoDlq(h, 'sqs-bad', { type: 'aws_sqs', provider_config: { ...creds(), secret_access_key: 'wrong-secret-0000', queue_url: queueUrl } }, /^HTTP 403 SignatureDoesNotMatch/)
		expect(attempts[0]?.error_type).toBe('http_4xx')
		expect(await receive(queueUrl)).toEqual([])
	}, 60_000)

	it('aws_s3 json: one object per event under {prefix}{yyyy}/{mm}/{dd}/{event_id}.json, read back with GetObject', async () => {
		expect((await moto.s3('PUT', '/hook-archive')).status).toBe(200)
		const { eventId, body, attempt, sourceId } = await deliverThrough(h, 's3', { type: 'aws_s3', provider_config: { ...creds(), bucket: 'hook-archive', prefix: 'in' } })
		const summary = JSON.parse(attempt.response_body ?? '{}') as { key: string; etag: string }
		const d = new Date()
		expect(summary.key).toBe(`in/${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${eventId}.json`)
		const res = await moto.s3('GET', `/hook-archive/${summary.key}`)
		expect(res.status).toBe(200)
		expect(res.headers.get('etag')).toBe(summary.etag)
		// The signature covers the delivered payload (the transform's output), as for http.
		expect(res.headers.get('x-amz-meta-x-hookstream-signature')).toBe(sign(body))
		const stored = (await res.json()) as Record<string, unknown>
		expect(stored).toMatchObject({ event_id: eventId, source_id: sourceId, method: 'POST', body: JSON.parse(body) })
		expect(stored.received_at).toBeString()
	}, 60_000)

	it('aws_s3 raw: the body byte for byte with its content type, under key_template; a wrong secret is SignatureDoesNotMatch', async () => {
		expect((await moto.s3('PUT', '/hook-raw')).status).toBe(200)
		const { sourceId, destinationId } = await pipeline(h, 's3-raw', { type: 'aws_s3', provider_config: { ...creds(), bucket: 'hook-raw', format: 'raw', key_template: 'raw/{source_id}/{event_id}.txt' } })
		const eventId = await h.send(sourceId, 'plain text ü', { 'content-type': 'text/plain; charset=utf-8' })
		await settled(h, eventId, 'delivered')
		const res = await moto.s3('GET', `/hook-raw/raw/${sourceId}/${eventId}.txt`)
		expect(await res.text()).toBe('plain text ü')
		expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
		const patched = await h.api('PATCH', `/v1/destinations/${destinationId}`, { provider_config: { secret_access_key: 'wrong-secret-1111' } })
		expect(patched.status).toBe(200)
		const failed = await h.send(sourceId, 'again')
		const [attempt] = await h.until(async () => {
			const a = await attemptsOf(h, failed)
			return a.length > 0 ? a : undefined
		})
		expect(attempt?.error ?? '').toMatch(/^HTTP 403 SignatureDoesNotMatch/)
	}, 60_000)

	it('aws_eventbridge: PutEvents reaches an SQS target through a rule; FailedEntryCount > 0 and a wrong secret are failures', async () => {
		const queueUrl = await queue('bus-target')
		const arn = (await moto.json<{ Attributes: { QueueArn: string } }>('sqs', 'GetQueueAttributes', { QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })).Attributes.QueueArn
		await moto.json('events', 'PutRule', { Name: 'all-hooks', EventPattern: JSON.stringify({ source: ['hookstream.test'] }) })
		await moto.json('events', 'PutTargets', { Rule: 'all-hooks', Targets: [{ Id: 'q', Arn: arn }] })
		const config = { ...creds(), event_bus_arn: 'default', source: 'hookstream.test', detail_type: 'webhook.received' }
		const { body, attempt } = await deliverThrough(h, 'eb', { type: 'aws_eventbridge', provider_config: config })
		const [msg] = await receive(queueUrl)
		const envelope = JSON.parse(msg?.Body ?? '{}') as Record<string, unknown>
		expect(envelope).toMatchObject({ source: 'hookstream.test', 'detail-type': 'webhook.received', detail: JSON.parse(body) })
		expect(JSON.parse(attempt.response_body ?? '{}')).toMatchObject({ FailedEntryCount: 0 })

		// Detail must be a JSON object: a plain-text body is refused inside an HTTP 200.
		const { sourceId, destinationId } = await pipeline(h, 'eb-bad', { type: 'aws_eventbridge', provider_config: config, retry_max_attempts: 1 })
		const refused = await h.send(sourceId, 'not json', { 'content-type': 'text/plain' })
		await settled(h, refused, 'failed')
		const [bad] = await attemptsOf(h, refused)
		expect(bad).toMatchObject({ status: 'failed', response_status: 200, error_type: 'provider_error', error: 'PutEvents refused the entry: MalformedDetail: Detail is malformed.' })

		await h.api('PATCH', `/v1/destinations/${destinationId}`, { provider_config: { secret_access_key: 'wrong-secret-2222' } })
		const denied = await h.send(sourceId, '{"a":1}')
		await settled(h, denied, 'failed')
		expect((await attemptsOf(h, denied))[0]?.error ?? '').toMatch(/^HTTP 403 SignatureDoesNotMatch/)
	}, 60_000)

	it('aws_eventbridge detail_format envelope: the body travels as a string next to its signature, checkable after EventBridge re-serializes Detail', async () => {
		const queueUrl = await queue('bus-envelope')
		const arn = (await moto.json<{ Attributes: { QueueArn: string } }>('sqs', 'GetQueueAttributes', { QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })).Attributes.QueueArn
		await moto.json('events', 'PutRule', { Name: 'enveloped', EventPattern: JSON.stringify({ source: ['hookstream.envelope'] }) })
		await moto.json('events', 'PutTargets', { Rule: 'enveloped', Targets: [{ Id: 'q', Arn: arn }] })
		const config = { ...creds(), event_bus_arn: 'default', source: 'hookstream.envelope', detail_type: 'webhook.received', detail_format: 'envelope' }
		const { eventId, body } = await deliverThrough(h, 'eb-env', { type: 'aws_eventbridge', provider_config: config })
		const [msg] = await receive(queueUrl)
		const detail = (JSON.parse(msg?.Body ?? '{}') as { detail: { body: string; metadata: Record<string, string> } }).detail
		expect(detail.body).toBe(body)
		expect(detail.metadata['x-hookstream-event-id']).toBe(eventId)
		expect(detail.metadata['x-hookstream-signature']).toBe(sign(detail.body))
	}, 60_000)
})
