import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { storedText } from '../support/stored'

/** A PKCS#8 key is only checked for its shape at write time; the token exchange proves it (e2e). */
const SA = JSON.stringify({ type: 'service_account', client_email: 'gw@proj.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n', private_key_id: 'k1', token_uri: 'https://oauth2.googleapis.com/token' })
const AWS = { region: 'eu-west-1', access_key_id: 'AKIAEXAMPLE', secret_access_key: 'aws_plaintext_secret_7777' }

/** A valid provider_config per type, with a plaintext secret that must never be answered or stored in clear. */
export const VALID: Record<string, Record<string, unknown>> = {
	aws_sqs: { ...AWS, queue_url: 'https://sqs.eu-west-1.amazonaws.com/123456789012/hooks' },
	aws_s3: { ...AWS, bucket: 'my-hooks', prefix: 'in' },
	aws_eventbridge: { ...AWS, event_bus_arn: 'default', source: 'hookstream', detail_type: 'webhook.received' },
	gcp_pubsub: { project_id: 'my-project', topic_id: 'hooks', service_account_json: SA },
	kafka: { bootstrap_servers: 'pkc-1.eu-west-1.aws.confluent.cloud:9092', cluster_id: 'lkc-1', topic: 'hooks', api_key: 'KEY1', api_secret: 'kafka_plaintext_secret_8888' },
	rabbitmq: { url: 'https://rabbit.example.com:15672', exchange: 'hooks', routing_key: 'in', username: 'gw', password: 'rabbit_plaintext_pw_9999' }
}

let t: TestApp
const answered: string[] = []
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

async function post(body: Record<string, unknown>) {
	const res = await t.call('POST', '/v1/destinations', { body })
	const text = await res.text()
	answered.push(text)
	return { status: res.status, json: JSON.parse(text) as Record<string, unknown> & { destination: Record<string, unknown> & { id: string } } }
}

describe('provider_config at write time', () => {
	it('accepts a valid config per type, sealed, with only the credentials masked', async () => {
		for (const [type, config] of Object.entries(VALID)) {
			const { status, json } = await post({ name: type, slug: `ok-${type.replaceAll('_', '-')}`, type, provider_config: config })
			expect({ type, status }).toEqual({ type, status: 201 })
			const shown = JSON.parse(json.destination.provider_config as string) as Record<string, unknown>
			expect(json.destination).toMatchObject({ type, url: '' })
			for (const [k, v] of Object.entries(config)) {
				const secret = ['secret_access_key', 'service_account_json', 'api_secret', 'password'].includes(k)
				expect({ type, k, shown: shown[k] }).toEqual({ type, k, shown: secret ? `****${String(v).slice(-4)}` : k === 'prefix' ? `${v}/` : v })
			}
		}
	})

	const bad: [string, string, Record<string, unknown>, string, string][] = [
		['missing queue_url', 'aws_sqs', { ...AWS }, '/provider_config/queue_url', 'is required for type aws_sqs'],
		['unknown detail_format', 'aws_eventbridge', { ...VALID.aws_eventbridge, detail_format: 'xml' }, '/provider_config/detail_format', 'must be one of payload, envelope'],
		['bad region', 'aws_sqs', { ...VALID.aws_sqs, region: 'Europe' }, '/provider_config/region', 'must be an AWS region such as us-east-1'],
		['group on a standard queue', 'aws_sqs', { ...VALID.aws_sqs, message_group_id: 'g' }, '/provider_config/message_group_id', 'is only for FIFO queues (queue_url ending in .fifo)'],
		['unknown key', 'aws_sqs', { ...VALID.aws_sqs, queue: 'x' }, '/provider_config/queue', 'is not an allowed field for type aws_sqs'],
		['endpoint not a URL', 'aws_s3', { ...VALID.aws_s3, endpoint: 'localhost:4566' }, '/provider_config/endpoint', 'must be an absolute http or https URL'],
		['bucket name', 'aws_s3', { ...VALID.aws_s3, bucket: 'Has_Upper' }, '/provider_config/bucket', 'must be an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'],
		['format', 'aws_s3', { ...VALID.aws_s3, format: 'xml' }, '/provider_config/format', 'must be one of json, raw'],
		['key template', 'aws_s3', { ...VALID.aws_s3, key_template: '{year}/{event_id}' }, '/provider_config/key_template', 'has an unknown placeholder {year}; use {prefix}, {yyyy}, {mm}, {dd}, {event_id}, {source_id}, {destination_id}'],
		['missing secret', 'aws_eventbridge', { ...VALID.aws_eventbridge, secret_access_key: undefined }, '/provider_config/secret_access_key', 'is required for type aws_eventbridge'],
		['empty source', 'aws_eventbridge', { ...VALID.aws_eventbridge, source: '' }, '/provider_config/source', 'must be a non-empty string'],
		['key file not JSON', 'gcp_pubsub', { ...VALID.gcp_pubsub, service_account_json: 'nope' }, '/provider_config/service_account_json', 'must be a service-account key file (JSON text)'],
		['key file without key', 'gcp_pubsub', { ...VALID.gcp_pubsub, service_account_json: '{"client_email":"a@b"}' }, '/provider_config/service_account_json', "must hold the key file's private_key"],
		['project id', 'gcp_pubsub', { ...VALID.gcp_pubsub, project_id: 'X' }, '/provider_config/project_id', 'must be a GCP project ID (6-30 lower-case letters, digits, hyphens)'],
		['kafka protocol', 'kafka', { ...VALID.kafka, protocol: 'grpc' }, '/provider_config/protocol', "must be one of rest, native (got 'grpc')"],
		['rest without cluster', 'kafka', { ...VALID.kafka, cluster_id: undefined }, '/provider_config/cluster_id', 'is required for type kafka'],
		['native without port', 'kafka', { protocol: 'native', bootstrap_servers: 'broker', topic: 't' }, '/provider_config/bootstrap_servers', 'must be host:port, comma separated'],
		['native half SASL', 'kafka', { protocol: 'native', bootstrap_servers: 'b:9092', topic: 't', username: 'u' }, '/provider_config/password', 'is required when the other SASL credential is given'],
		['native key field', 'kafka', { protocol: 'native', bootstrap_servers: 'b:9092', topic: 't', key_field: 'payload' }, '/provider_config/key_field', 'must be event_id, source_id, destination_id or payload.<path>'],
		['native ssl type', 'kafka', { protocol: 'native', bootstrap_servers: 'b:9092', topic: 't', ssl: 'yes' }, '/provider_config/ssl', 'must be a boolean'],
		['rabbit url scheme', 'rabbitmq', { ...VALID.rabbitmq, url: 'ftp://x' }, '/provider_config/url', 'must be an absolute http or https or amqp or amqps URL'],
		['rabbit creds in url', 'rabbitmq', { ...VALID.rabbitmq, url: 'amqp://u:p@x' }, '/provider_config/url', 'must not contain credentials: use the username and password fields'],
		['rabbit no password', 'rabbitmq', { ...VALID.rabbitmq, password: undefined }, '/provider_config/password', 'is required for type rabbitmq']
	]
	for (const [name, type, config, path, message] of bad) {
		it(`400 naming the field: ${type} ${name}`, async () => {
			const { status, json } = await post({ name: 'x', slug: 'bad', type, provider_config: config })
			expect({ status, json }).toMatchObject({ status: 400, json: { status: 400, details: [{ path, message }] } })
			expect(json.request_id).toBeString()
		})
	}

	it('refuses url, auth and provider_config where they do not belong', async () => {
		expect((await post({ name: 'x', slug: 'u', type: 'sqs', url: 'https://x.example', provider_config: VALID.aws_sqs })).json).toMatchObject({ details: [{ path: '/url' }] })
		expect((await post({ name: 'x', slug: 'a', type: 'sqs', auth_type: 'bearer', auth_config: { token: 'abcdefgh' }, provider_config: VALID.aws_sqs })).json).toMatchObject({ details: [{ path: '/auth_type' }] })
		expect((await post({ name: 'x', slug: 'h', url: 'https://x.example', provider_config: VALID.aws_sqs })).json).toMatchObject({ details: [{ path: '/provider_config' }] })
		expect((await post({ name: 'x', slug: 'c', type: 'sqs', provider_config: VALID.aws_sqs, config: { ...VALID.aws_sqs, region: 'us-east-1' } })).json).toMatchObject({ details: [{ path: '/config' }] })
	})
})

describe('PATCH of provider_config', () => {
	it('merges onto the stored settings, so a secret rotates alone; null removes a key; a new type needs a full config', async () => {
		const { json } = await post({ name: 'p', slug: 'patch-sqs', type: 'aws_sqs', config: { ...VALID.aws_sqs, endpoint: 'http://127.0.0.1:4566' } })
		const id = json.destination.id
		const patch = async (body: unknown) => {
			const res = await t.call('PATCH', `/v1/destinations/${id}`, { body })
			const text = await res.text()
			answered.push(text)
			return { status: res.status, json: JSON.parse(text) as { destination: Record<string, string> } & Record<string, unknown> }
		}
		const rotated = await patch({ provider_config: { secret_access_key: 'rotated_plaintext_6666', endpoint: null } })
		expect(rotated.status).toBe(200)
		expect(JSON.parse(rotated.json.destination.provider_config as string)).toEqual({ ...VALID.aws_sqs, secret_access_key: '****6666' })
		expect((await patch({ type: 'kafka' })).json).toMatchObject({ status: 400, details: [{ path: '/provider_config', message: 'is required for type kafka' }] })
		expect((await patch({ type: 'http' })).json).toMatchObject({ status: 400, details: [{ path: '/url' }] })
		const http = await patch({ type: 'http', url: 'https://x.example/h' })
		expect(http.json.destination).toMatchObject({ type: 'http', url: 'https://x.example/h', provider_config: null })
	})

	it('keeps the stored defaults valid: an S3 destination without prefix rotates its secret', async () => {
		const { json } = await post({ name: 's', slug: 'patch-s3', type: 's3', provider_config: { ...AWS, bucket: 'b-1' } })
		const res = await t.call('PATCH', `/v1/destinations/${json.destination.id}`, { body: { provider_config: { secret_access_key: 'rotated_plaintext_6666' } } })
		expect(res.status).toBe(200)
		answered.push(await res.text())
	})

	it('never answers a plaintext provider credential and never stores one in clear', async () => {
		const disk = await storedText(t.ctx.store, t.dir)
		for (const secret of ['aws_plaintext_secret_7777', 'kafka_plaintext_secret_8888', 'rabbit_plaintext_pw_9999', 'rotated_plaintext_6666', 'MIIB']) {
			expect({ secret, answered: answered.some((a) => a.includes(secret)) }).toEqual({ secret, answered: false })
			expect({ secret, onDisk: disk.includes(secret) }).toEqual({ secret, onDisk: false })
		}
	})
})
