import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs'
import { Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { DeliveryTarget } from '../../destinations/model'
import type { KafkaConfig } from '../../destinations/provider-config'
import { type OutboundGuard, pinUrl } from '../ssrf'
import { Pool } from './pooled'
import { failed, messageOf, type ProviderMessage, type ProviderOutcome, succeeded, text } from './types'

type NativeConfig = Extract<KafkaConfig, { protocol: 'native' }>

/**
 * Every broker address kafkajs dials (the bootstrap list and whatever the cluster's
 * metadata names) is vetted by the SSRF guard and pinned before the socket connects.
 */
function guardedSockets(guard: OutboundGuard) {
	return ({ host, port, ssl, onConnect }: { host: string; port: number; ssl: object | null | undefined; onConnect: () => void }) => {
		const raw = new Socket()
		const socket = ssl ? tlsConnect({ ...ssl, socket: raw, servername: host }, onConnect) : raw
		pinUrl(new URL(`tcp://${host.includes(':') ? `[${host}]` : host}:${port}`), guard)
			.then((pinned) => raw.connect({ host: pinned.address, port }, ssl ? undefined : onConnect))
			.catch((err: unknown) => socket.destroy(err instanceof Error ? err : new Error(String(err))))
		return socket
	}
}

function openProducer(cfg: NativeConfig, guard: OutboundGuard, timeoutMs: number): Promise<Producer> {
	const kafka = new Kafka({
		clientId: 'hookstream', brokers: cfg.bootstrap_servers.split(',').map((s) => s.trim()), ssl: cfg.ssl,
		sasl: cfg.username !== undefined && cfg.password !== undefined ? ({ mechanism: cfg.sasl_mechanism, username: cfg.username, password: cfg.password } as never) : undefined,
		connectionTimeout: Math.min(timeoutMs, 10_000), requestTimeout: timeoutMs, socketFactory: guardedSockets(guard) as never,
		// The worker owns retries and backoff; kafkajs's own would hide failures from the breaker.
		retry: { retries: 0 }, logLevel: logLevel.NOTHING
	})
	const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false })
	return producer.connect().then(() => producer)
}

/** The record key: the event id by default, or another id, or a field of the JSON payload. */
function keyOf(cfg: NativeConfig, m: ProviderMessage, sourceId: string | undefined): string | null {
	if (cfg.key_field === 'event_id') return m.eventId
	if (cfg.key_field === 'destination_id') return m.destinationId
	if (cfg.key_field === 'source_id') return sourceId ?? null
	let value: unknown
	try {
		value = JSON.parse(text(m.body))
	} catch {
		return null
	}
	for (const part of cfg.key_field.split('.').slice(1)) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined
	return value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value)
}

const producers = new Pool<Producer>((p) => p.disconnect())

/** Native Kafka protocol (kafkajs), one pooled producer per destination, `acks: -1` (all in-sync replicas). */
export const kafkaNative = {
	async send(message: ProviderMessage, target: DeliveryTarget, guard: OutboundGuard): Promise<ProviderOutcome> {
		const cfg = target.provider as unknown as NativeConfig
		const started = performance.now()
		const elapsed = () => Math.round(performance.now() - started)
		const request = { url: `kafka://${cfg.bootstrap_servers}/${cfg.topic}`, method: 'produce', recordedHeaders: message.metadata, bodySize: message.body.byteLength }
		const key = cfg.key_field === 'source_id' ? keyOf(cfg, message, (await message.event())?.source_id) : keyOf(cfg, message, undefined)
		let producer: Producer | null = null
		try {
			producer = await producers.get(target.row.id, target.row.updated_at, () => openProducer(cfg, guard, target.row.timeout_ms))
			const headers = { 'hookstream-event-id': message.eventId, 'hookstream-destination-id': message.destinationId, ...message.metadata }
			const [meta] = await producer.send({ topic: cfg.topic, acks: -1, timeout: target.row.timeout_ms, messages: [{ key, value: Buffer.from(message.body), headers }] })
			if (!meta || meta.errorCode !== 0) return { request, result: failed(`Kafka refused the record: error code ${meta?.errorCode ?? 'missing'}`, 'provider_error', elapsed()) }
			return { request, result: succeeded({ topic: meta.topicName, partition: meta.partition, offset: meta.baseOffset ?? meta.offset ?? null, key }, elapsed()) }
		} catch (err) {
			if (producer) producers.discard(target.row.id, producer)
			const type = (err as { type?: string }).type
			const name = (err as { name?: string }).name ?? ''
			const network = /Connection|Timeout|NumberOfRetriesExceeded/.test(name) || !type
			return { request, result: failed(`${type ? `${type}: ` : ''}${messageOf(err)}`, network ? (/Timeout/.test(name) ? 'timeout' : 'network_error') : 'provider_error', elapsed()) }
		}
	},
	close: (destinationId?: string) => producers.close(destinationId)
}
