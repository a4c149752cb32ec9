import { ValidationFailed } from '../lib/errors'
import { BUILT_IN_CHANNELS, DESTINATION_CHANNEL } from '../live/model'

/**
 * `provider_config` of the non-http types, checked field by field at write time so a
 * bad value is a 400 naming the field, not a failed delivery hours later. Each parser
 * returns the canonical form the delivery providers read (defaults filled).
 */
export type ProviderType = 'aws_sqs' | 'aws_s3' | 'aws_eventbridge' | 'gcp_pubsub' | 'kafka' | 'rabbitmq' | 'websocket'

interface AwsCredentials {
	region: string
	access_key_id: string
	secret_access_key: string
	session_token?: string
	/** An AWS-compatible service (LocalStack, MinIO, R2, moto) instead of amazonaws.com. */
	endpoint?: string
}
export interface SqsConfig extends AwsCredentials { queue_url: string; message_group_id?: string }
export interface S3Config extends AwsCredentials { bucket: string; prefix: string; format: 'json' | 'raw'; key_template?: string }
/**
 * `detail_format`: `payload` (the reference's shape: Detail is the body) or `envelope`
 * (Detail = {body, metadata}), the form that carries the signature: a PutEvents entry has no
 * metadata field, and EventBridge re-serializes Detail, so only the body kept as a string
 * stays byte-exact for a signature check.
 */
export interface EventBridgeConfig extends AwsCredentials { event_bus_arn: string; source: string; detail_type: string; detail_format: 'payload' | 'envelope' }
export interface PubSubConfig { project_id: string; topic_id: string; service_account_json: string; endpoint?: string }
export type KafkaConfig =
	| { protocol: 'rest'; bootstrap_servers: string; cluster_id: string; topic: string; api_key: string; api_secret: string; endpoint?: string }
	| { protocol: 'native'; bootstrap_servers: string; topic: string; username?: string; password?: string; ssl: boolean; key_field: string; sasl_mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512' }
export interface RabbitConfig { url: string; vhost: string; exchange: string; routing_key: string; username: string; password: string }
export interface WebSocketConfig { channel_name: string }

/** Fields whose values are credentials: sealed with the rest, and masked (last 4 characters) when shown. */
export const PROVIDER_SECRET_KEYS = new Set(['secret_access_key', 'session_token', 'service_account_json', 'api_secret', 'password'])

type Raw = Record<string, unknown>
const MAX = 4096

class Fields {
	constructor(readonly raw: Raw, readonly type: string) {}
	#path = (k: string) => `/provider_config/${k}`
	str(k: string, opts: { required?: boolean; max?: number; pattern?: RegExp; hint?: string } = {}): string | undefined {
		const v = this.raw[k]
		if (v === undefined || v === null) {
			if (opts.required) throw new ValidationFailed(this.#path(k), `is required for type ${this.type}`)
			return undefined
		}
		if (typeof v !== 'string' || v.length === 0) throw new ValidationFailed(this.#path(k), 'must be a non-empty string')
		if (v.length > (opts.max ?? MAX)) throw new ValidationFailed(this.#path(k), `must be at most ${opts.max ?? MAX} characters`)
		if (/[\r\n\0]/.test(v) && k !== 'service_account_json') throw new ValidationFailed(this.#path(k), 'must not contain CR, LF or NUL')
		if (opts.pattern && !opts.pattern.test(v)) throw new ValidationFailed(this.#path(k), opts.hint ?? `must match ${opts.pattern.source}`)
		return v
	}
	req(k: string, opts: { max?: number; pattern?: RegExp; hint?: string } = {}): string {
		return this.str(k, { ...opts, required: true }) as string
	}
	url(k: string, protocols: string[], required = false): string | undefined {
		const v = this.str(k, { required })
		if (v === undefined) return undefined
		let u: URL | null = null
		try {
			u = new URL(v)
		} catch {}
		if (!u || !protocols.includes(u.protocol)) throw new ValidationFailed(this.#path(k), `must be an absolute ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL`)
		if (u.username || u.password) throw new ValidationFailed(this.#path(k), 'must not contain credentials: use the username and password fields')
		return v
	}
	only(allowed: string[]): void {
		const extra = Object.keys(this.raw).find((k) => !allowed.includes(k))
		if (extra !== undefined) throw new ValidationFailed(`/provider_config/${extra.replaceAll('~', '~0').replaceAll('/', '~1')}`, `is not an allowed field for type ${this.type}`)
	}
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/
const AWS_KEYS = ['region', 'access_key_id', 'secret_access_key', 'session_token', 'endpoint']

function aws(f: Fields): AwsCredentials {
	const endpoint = f.url('endpoint', ['http:', 'https:'])
	const c: AwsCredentials = {
		region: f.req('region', { max: 64, pattern: REGION, hint: 'must be an AWS region such as us-east-1' }),
		access_key_id: f.req('access_key_id', { max: 128 }),
		secret_access_key: f.req('secret_access_key', { max: 256 })
	}
	const token = f.str('session_token')
	if (token) c.session_token = token
	if (endpoint) c.endpoint = endpoint
	return c
}

function optional<T extends object>(base: T, extra: Record<string, string | undefined>): T {
	for (const [k, v] of Object.entries(extra)) if (v !== undefined) (base as Record<string, unknown>)[k] = v
	return base
}

function sqs(f: Fields): SqsConfig {
	f.only([...AWS_KEYS, 'queue_url', 'message_group_id'])
	const queue_url = f.url('queue_url', ['http:', 'https:'], true) as string
	const group = f.str('message_group_id', { max: 128, pattern: /^[\x21-\x7e]+$/, hint: 'must be 1-128 printable ASCII characters' })
	if (group && !queue_url.endsWith('.fifo')) throw new ValidationFailed('/provider_config/message_group_id', 'is only for FIFO queues (queue_url ending in .fifo)')
	return optional({ ...aws(f), queue_url }, { message_group_id: group })
}

const KEY_PLACEHOLDERS = ['prefix', 'yyyy', 'mm', 'dd', 'event_id', 'source_id', 'destination_id']

function s3(f: Fields): S3Config {
	f.only([...AWS_KEYS, 'bucket', 'prefix', 'format', 'key_template'])
	const bucket = f.req('bucket', { max: 63, pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, hint: 'must be an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)' })
	// '' is the stored form of no prefix (the canonical config is parsed again on PATCH).
	const rawPrefix = f.raw.prefix === '' ? '' : (f.str('prefix', { max: 512 }) ?? '')
	const format = f.str('format') ?? 'json'
	if (format !== 'json' && format !== 'raw') throw new ValidationFailed('/provider_config/format', 'must be one of json, raw')
	const template = f.str('key_template', { max: 512 })
	for (const m of template?.matchAll(/\{([^}]*)\}/g) ?? []) {
		if (!KEY_PLACEHOLDERS.includes(m[1] ?? '')) throw new ValidationFailed('/provider_config/key_template', `has an unknown placeholder {${m[1]}}; use ${KEY_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`)
	}
	// The reference adds the trailing slash itself.
	const prefix = rawPrefix && !rawPrefix.endsWith('/') ? `${rawPrefix}/` : rawPrefix
	return optional({ ...aws(f), bucket, prefix, format }, { key_template: template })
}

function eventbridge(f: Fields): EventBridgeConfig {
	f.only([...AWS_KEYS, 'event_bus_arn', 'source', 'detail_type', 'detail_format'])
	const detail_format = f.str('detail_format') ?? 'payload'
	if (detail_format !== 'payload' && detail_format !== 'envelope') throw new ValidationFailed('/provider_config/detail_format', 'must be one of payload, envelope')
	return {
		...aws(f),
		detail_format,
		event_bus_arn: f.req('event_bus_arn', { max: 1600, pattern: /^(default|[A-Za-z0-9._/-]+|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[A-Za-z0-9._/-]+)$/, hint: "must be an event bus ARN, a bus name or 'default'" }),
		source: f.req('source', { max: 256 }),
		detail_type: f.req('detail_type', { max: 128 })
	}
}

function pubsub(f: Fields): PubSubConfig {
	f.only(['project_id', 'topic_id', 'service_account_json', 'endpoint'])
	const project_id = f.req('project_id', { max: 30, pattern: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, hint: 'must be a GCP project ID (6-30 lower-case letters, digits, hyphens)' })
	const topic_id = f.req('topic_id', { max: 255, pattern: /^[A-Za-z][A-Za-z0-9._~+%-]{2,254}$/, hint: 'must be a Pub/Sub topic name (short form, 3-255 characters, starting with a letter)' })
	const sa = f.req('service_account_json', { max: 16384 })
	let key: Raw | null = null
	try {
		key = JSON.parse(sa) as Raw
	} catch {}
	const path = '/provider_config/service_account_json'
	if (!key || typeof key !== 'object') throw new ValidationFailed(path, 'must be a service-account key file (JSON text)')
	for (const k of ['client_email', 'private_key']) {
		if (typeof key[k] !== 'string' || !key[k]) throw new ValidationFailed(path, `must hold the key file's ${k}`)
	}
	if (!String(key.private_key).includes('PRIVATE KEY')) throw new ValidationFailed(path, 'private_key must be a PEM (PKCS#8) private key')
	if (key.token_uri !== undefined) {
		try {
			if (!['http:', 'https:'].includes(new URL(String(key.token_uri)).protocol)) throw new Error()
		} catch {
			throw new ValidationFailed(path, 'token_uri must be an absolute http(s) URL')
		}
	}
	return optional({ project_id, topic_id, service_account_json: sa }, { endpoint: f.url('endpoint', ['http:', 'https:']) })
}

const HOST_PORT = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

function kafka(f: Fields): KafkaConfig {
	const protocol = f.str('protocol') ?? 'rest'
	const topic = () => f.req('topic', { max: 249, pattern: /^[A-Za-z0-9._-]+$/, hint: 'must be a Kafka topic name (letters, digits, . _ -)' })
	if (protocol === 'rest') {
		f.only(['protocol', 'bootstrap_servers', 'cluster_id', 'topic', 'api_key', 'api_secret', 'endpoint'])
		const bootstrap = f.req('bootstrap_servers', { max: 1024 })
		const servers = bootstrap.replace(/^[a-z]+:\/\//i, '').split(',')
		if (!servers.every((s) => HOST_PORT.test(s.trim()))) throw new ValidationFailed('/provider_config/bootstrap_servers', 'must be host:port, comma separated')
		return optional(
			{ protocol, bootstrap_servers: bootstrap, cluster_id: f.req('cluster_id', { max: 128, pattern: /^[A-Za-z0-9._-]+$/, hint: 'must be a cluster ID (letters, digits, . _ -)' }), topic: topic(), api_key: f.req('api_key', { max: 256 }), api_secret: f.req('api_secret', { max: 512 }) },
			{ endpoint: f.url('endpoint', ['http:', 'https:']) }
		)
	}
	if (protocol !== 'native') throw new ValidationFailed('/provider_config/protocol', `must be one of rest, native (got '${protocol}')`)
	f.only(['protocol', 'bootstrap_servers', 'topic', 'username', 'password', 'ssl', 'key_field', 'sasl_mechanism'])
	const bootstrap = f.req('bootstrap_servers', { max: 1024 })
	if (!bootstrap.split(',').every((s) => HOST_PORT.test(s.trim()) && /:\d+$/.test(s.trim()))) throw new ValidationFailed('/provider_config/bootstrap_servers', 'must be host:port, comma separated')
	const username = f.str('username', { max: 256 })
	const password = f.str('password', { max: 1024 })
	if ((username === undefined) !== (password === undefined)) throw new ValidationFailed(username === undefined ? '/provider_config/username' : '/provider_config/password', 'is required when the other SASL credential is given')
	const ssl = f.raw.ssl ?? false
	if (typeof ssl !== 'boolean') throw new ValidationFailed('/provider_config/ssl', 'must be a boolean')
	const key_field = f.str('key_field', { max: 256, pattern: /^(event_id|source_id|destination_id|payload(\.[A-Za-z0-9_-]+)+)$/, hint: 'must be event_id, source_id, destination_id or payload.<path>' }) ?? 'event_id'
	const mechanism = f.str('sasl_mechanism') ?? 'plain'
	if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') throw new ValidationFailed('/provider_config/sasl_mechanism', 'must be one of plain, scram-sha-256, scram-sha-512')
	return optional({ protocol, bootstrap_servers: bootstrap, topic: topic(), ssl, key_field, sasl_mechanism: mechanism }, { username, password })
}

function rabbitmq(f: Fields): RabbitConfig {
	f.only(['url', 'vhost', 'exchange', 'routing_key', 'username', 'password'])
	return {
		url: f.url('url', ['http:', 'https:', 'amqp:', 'amqps:'], true) as string,
		vhost: f.str('vhost', { max: 255 }) ?? '/',
		// '' is AMQP's default exchange (routing key = queue name); the management API calls it amq.default.
		exchange: typeof f.raw.exchange === 'string' && f.raw.exchange === '' ? '' : (f.str('exchange', { max: 255 }) ?? ''),
		routing_key: (f.raw.routing_key === '' ? '' : f.str('routing_key', { max: 255 })) ?? '',
		username: f.req('username', { max: 256 }),
		password: f.req('password', { max: 1024 })
	}
}

/** The `/v1/ws` channel it broadcasts on, lower-cased: subscribing matches it case-insensitively. */
function websocket(f: Fields): WebSocketConfig {
	f.only(['channel_name'])
	const name = f.req('channel_name', { max: 100, pattern: DESTINATION_CHANNEL, hint: 'must be 1-100 letters, digits, dots, underscores or hyphens, starting with a letter or digit' })
	const channel_name = name.toLowerCase()
	if (BUILT_IN_CHANNELS.has(channel_name)) throw new ValidationFailed('/provider_config/channel_name', `'${channel_name}' is a built-in /v1/ws channel: pick another name`)
	return { channel_name }
}

const PARSERS: Record<ProviderType, (f: Fields) => object> = { aws_sqs: sqs, aws_s3: s3, aws_eventbridge: eventbridge, gcp_pubsub: pubsub, kafka, rabbitmq, websocket }

/** Checks a provider type's `provider_config` and returns its canonical form. */
export function parseProviderConfig(type: ProviderType, config: Record<string, unknown> | null | undefined): object {
	if (config === undefined || config === null) throw new ValidationFailed('/provider_config', `is required for type ${type}`)
	return PARSERS[type](new Fields(config, type))
}
