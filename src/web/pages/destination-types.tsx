import { Field } from '../ui'

/**
 * The `provider_config` form of each non-http destination type, mirroring
 * src/destinations/provider-config.ts (the server checks every field again and
 * names the bad one). Secret fields are password inputs; the API masks them on read.
 */
interface Spec {
	key: string
	label: string
	required?: boolean
	secret?: boolean
	hint?: string
	placeholder?: string
	kind?: 'textarea' | 'checkbox' | 'select'
	options?: string[]
	/** Shown only when another field has this value (Kafka's REST vs native protocol). */
	when?: [string, string]
}

const AWS: Spec[] = [
	{ key: 'region', label: 'Region', required: true, placeholder: 'us-east-1' },
	{ key: 'access_key_id', label: 'Access key ID', required: true, placeholder: 'AKIA…' },
	{ key: 'secret_access_key', label: 'Secret access key', required: true, secret: true },
	{ key: 'session_token', label: 'Session token (optional)', secret: true },
	{ key: 'endpoint', label: 'Endpoint (optional)', hint: 'An AWS-compatible service: LocalStack, MinIO, R2, moto', placeholder: 'http://localhost:4566' }
]

export const TYPE_LABELS: Record<string, string> = {
	http: 'HTTP endpoint', aws_sqs: 'AWS SQS queue', aws_s3: 'AWS S3 bucket', aws_eventbridge: 'AWS EventBridge bus', gcp_pubsub: 'Google Pub/Sub topic',
	kafka: 'Kafka topic', rabbitmq: 'RabbitMQ exchange', websocket: 'WebSocket channel (/v1/ws)'
}

export const TYPE_FIELDS: Record<string, Spec[]> = {
	aws_sqs: [
		{ key: 'queue_url', label: 'Queue URL', required: true, placeholder: 'https://sqs.us-east-1.amazonaws.com/123456789012/hooks' },
		{ key: 'message_group_id', label: 'Message group ID (FIFO queues, optional)', hint: 'Default: the source ID' },
		...AWS
	],
	aws_s3: [
		{ key: 'bucket', label: 'Bucket', required: true, placeholder: 'hook-archive' },
		{ key: 'prefix', label: 'Key prefix (optional)', placeholder: 'in' },
		{ key: 'format', label: 'Object format', kind: 'select', options: ['json', 'raw'], hint: 'json: event envelope with the body; raw: the body with its own content type' },
		{ key: 'key_template', label: 'Key template (optional)', hint: 'Placeholders {prefix} {yyyy} {mm} {dd} {event_id} {source_id} {destination_id}' },
		...AWS
	],
	aws_eventbridge: [
		{ key: 'event_bus_arn', label: 'Event bus (ARN, name or default)', required: true, placeholder: 'default' },
		{ key: 'source', label: 'Event source', required: true, placeholder: 'hookstream' },
		{ key: 'detail_type', label: 'Detail type', required: true, placeholder: 'webhook.received' },
		{ key: 'detail_format', label: 'Detail format', kind: 'select', options: ['payload', 'envelope'], hint: 'payload: Detail is the body; envelope: {body, metadata} with the signature, checkable by the consumer' },
		...AWS
	],
	gcp_pubsub: [
		{ key: 'project_id', label: 'Project ID', required: true },
		{ key: 'topic_id', label: 'Topic ID', required: true },
		{ key: 'service_account_json', label: 'Service-account key (JSON)', required: true, secret: true, kind: 'textarea', hint: 'The key file: client_email and private_key are used' },
		{ key: 'endpoint', label: 'Endpoint (optional)', hint: 'The Pub/Sub emulator, for instance' }
	],
	kafka: [
		{ key: 'protocol', label: 'Protocol', kind: 'select', options: ['rest', 'native'], hint: 'rest: Confluent Cloud REST API; native: the Kafka wire protocol' },
		{ key: 'bootstrap_servers', label: 'Bootstrap servers', required: true, placeholder: 'broker1:9092,broker2:9092' },
		{ key: 'topic', label: 'Topic', required: true },
		{ key: 'cluster_id', label: 'Cluster ID', required: true, when: ['protocol', 'rest'] },
		{ key: 'api_key', label: 'API key', required: true, when: ['protocol', 'rest'] },
		{ key: 'api_secret', label: 'API secret', required: true, secret: true, when: ['protocol', 'rest'] },
		{ key: 'endpoint', label: 'REST endpoint (optional)', when: ['protocol', 'rest'] },
		{ key: 'username', label: 'SASL username (optional)', when: ['protocol', 'native'] },
		{ key: 'password', label: 'SASL password (optional)', secret: true, when: ['protocol', 'native'] },
		{ key: 'sasl_mechanism', label: 'SASL mechanism', kind: 'select', options: ['plain', 'scram-sha-256', 'scram-sha-512'], when: ['protocol', 'native'] },
		{ key: 'key_field', label: 'Message key (optional)', hint: 'event_id (default), source_id, destination_id or payload.<path>', when: ['protocol', 'native'] },
		{ key: 'ssl', label: 'TLS', kind: 'checkbox', when: ['protocol', 'native'] }
	],
	rabbitmq: [
		{ key: 'url', label: 'Broker URL', required: true, hint: 'amqp(s):// for the broker, or http(s):// for the management API', placeholder: 'amqp://rabbit.internal:5672' },
		{ key: 'username', label: 'Username', required: true },
		{ key: 'password', label: 'Password', required: true, secret: true },
		{ key: 'vhost', label: 'Virtual host', placeholder: '/' },
		{ key: 'exchange', label: 'Exchange', hint: 'Empty: the default exchange (routing key = queue name)' },
		{ key: 'routing_key', label: 'Routing key' }
	],
	websocket: [
		{ key: 'channel_name', label: 'Channel name', required: true, hint: 'Subscribers of /v1/ws on this channel get an event.delivered message', placeholder: 'orders' }
	]
}

export type Values = Record<string, string | boolean>

const visible = (s: Spec, v: Values) => !s.when || (v[s.when[0]] ?? defaults(s.when[0])) === s.when[1]
function defaults(key: string): string {
	return key === 'protocol' ? 'rest' : key === 'format' ? 'json' : key === 'sasl_mechanism' ? 'plain' : key === 'detail_format' ? 'payload' : ''
}

/** The body's provider_config: the visible, filled fields only (the server fills the defaults). */
export function providerConfig(type: string, v: Values): Record<string, unknown> {
	const out: Record<string, unknown> = {}
	for (const s of TYPE_FIELDS[type] ?? []) {
		if (!visible(s, v)) continue
		const x = v[s.key] ?? (s.kind === 'select' ? defaults(s.key) : undefined)
		if (s.kind === 'checkbox') out[s.key] = x === true
		else if (typeof x === 'string' && x !== '') out[s.key] = x
	}
	return out
}

export function ProviderFields({ type, values, onChange }: { type: string; values: Values; onChange: (v: Values) => void }) {
	const set = (k: string, x: string | boolean) => onChange({ ...values, [k]: x })
	const input = (e: Event) => (e.target as HTMLInputElement).value
	return (
		<>
			{(TYPE_FIELDS[type] ?? []).filter((s) => visible(s, values)).map((s) => {
				const name = `pc_${s.key}`
				const value = String(values[s.key] ?? (s.kind === 'select' ? defaults(s.key) : ''))
				if (s.kind === 'checkbox') return <label key={s.key} class="check"><input type="checkbox" name={name} checked={values[s.key] === true} onChange={(e) => set(s.key, (e.target as HTMLInputElement).checked)} /> {s.label}</label>
				return (
					<Field key={s.key} label={s.label} hint={s.hint}>
						{s.kind === 'select' ? <select name={name} value={value} onChange={(e) => set(s.key, input(e))}>{s.options?.map((o) => <option key={o}>{o}</option>)}</select>
							: s.kind === 'textarea' ? <textarea name={name} class="secret-text" rows={4} required={s.required} autoComplete="off" spellcheck={false} value={value} onInput={(e) => set(s.key, input(e))} />
							: s.secret ? <input name={name} type="password" autoComplete="new-password" required={s.required} value={value} onInput={(e) => set(s.key, input(e))} />
							: <input name={name} required={s.required} placeholder={s.placeholder} value={value} onInput={(e) => set(s.key, input(e))} />}
					</Field>
				)
			})}
		</>
	)
}

/** The detail page's view of the stored (already masked) provider_config. */
export function ProviderFacts({ type, config }: { type: string; config: string | null }) {
	let parsed: Record<string, unknown> = {}
	try {
		parsed = config ? JSON.parse(config) : {}
	} catch {}
	const labels = new Map((TYPE_FIELDS[type] ?? []).map((s) => [s.key, s.label.replace(/ \(optional\)$/, '')]))
	return (
		<>
			{Object.entries(parsed).map(([k, v]) => [
				<dt key={`${k}-t`}>{labels.get(k) ?? k}</dt>,
				<dd key={`${k}-d`} class="mono" data-testid={`provider-${k}`}>{String(v) === '' ? <span class="muted">(empty)</span> : String(v)}</dd>
			])}
		</>
	)
}
