import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { attemptsOf } from './provider-flow'

/** The guard refuses before any connection is made, so no service is needed. */
let strict: Harness
beforeAll(async () => {
	strict = await startHarness({ 'allow-private-destinations': false })
})
afterAll(() => strict.close())

const KEY = { region: 'us-east-1', access_key_id: 'A', secret_access_key: 'B', endpoint: 'http://127.0.0.1:9' }
const SA = async () => {
	const { generateKeyPair, exportPKCS8 } = await import('jose')
	const { privateKey } = await generateKeyPair('RS256', { extractable: true })
	return JSON.stringify({ client_email: 'a@b.iam.gserviceaccount.com', private_key: await exportPKCS8(privateKey), token_uri: 'http://169.254.169.254/token' })
}

describe('SSRF guard on every provider address', () => {
	const cases: [string, () => Promise<Record<string, unknown>>, string][] = [
		['aws_sqs endpoint', async () => ({ ...KEY, queue_url: 'http://127.0.0.1:9/1/q' }), '127.0.0.1'],
		['aws_s3 endpoint', async () => ({ ...KEY, bucket: 'b-1' }), '127.0.0.1'],
		['aws_eventbridge endpoint', async () => ({ ...KEY, event_bus_arn: 'default', source: 's', detail_type: 'd' }), '127.0.0.1'],
		['gcp_pubsub token_uri (cloud metadata)', async () => ({ project_id: 'test-proj', topic_id: 'hooks', service_account_json: await SA() }), '169.254.169.254'],
		['kafka REST endpoint', async () => ({ bootstrap_servers: 'x:9092', cluster_id: 'c', topic: 't', api_key: 'k', api_secret: 's', endpoint: 'http://10.0.0.1:8082' }), '10.0.0.1'],
		['kafka native broker', async () => ({ protocol: 'native', bootstrap_servers: '127.0.0.1:9', topic: 't' }), '127.0.0.1'],
		['rabbitmq management API', async () => ({ url: 'http://192.168.1.1:15672', username: 'u', password: 'p' }), '192.168.1.1'],
		['rabbitmq AMQP host', async () => ({ url: 'amqp://[::1]:5672', username: 'u', password: 'p' }), '::1']
	]
	const types: Record<string, string> = { aws_sqs: 'aws_sqs', aws_s3: 'aws_s3', aws_eventbridge: 'aws_eventbridge', gcp_pubsub: 'gcp_pubsub', kafka: 'kafka', rabbitmq: 'rabbitmq' }
	for (const [i, [name, config, address]] of cases.entries()) {
		it(`refuses a private ${name} unless private destinations are allowed`, async () => {
			const type = types[name.split(' ')[0] as string] as string
			const { sourceId } = await pipeline(strict, `ssrf-${i}`, { type, retry_max_attempts: 1, timeout_ms: 5000, provider_config: await config() })
			const eventId = await strict.send(sourceId, '{"a":1}')
			const [attempt] = await strict.until(async () => {
				const a = await attemptsOf(strict, eventId)
				return a.length > 0 ? a : undefined
			}, 20_000)
			expect(attempt).toMatchObject({ status: 'failed', is_dlq: 1 })
			expect(attempt?.error).toContain(`destination address ${address} is private or internal`)
		}, 30_000)
	}
})
