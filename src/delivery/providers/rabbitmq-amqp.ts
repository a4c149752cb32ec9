import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib'
import type { DeliveryTarget } from '../../destinations/model'
import type { RabbitConfig } from '../../destinations/provider-config'
import { type OutboundGuard, pinUrl } from '../ssrf'
import { Pool } from './pooled'
import { failed, messageOf, type ProviderMessage, type ProviderOutcome, succeeded } from './types'

/** One connection and confirm channel per destination, and the message ids the broker returned as unroutable. */
interface Link {
	conn: ChannelModel
	channel: ConfirmChannel
	returned: Set<string>
	broken: Error | null
}

async function openLink(cfg: RabbitConfig, guard: OutboundGuard, destinationId: string): Promise<Link> {
	const url = new URL(cfg.url)
	const pinned = await pinUrl(url, guard)
	const tls = url.protocol === 'amqps:'
	const conn = await amqp.connect(
		{ protocol: tls ? 'amqps' : 'amqp', hostname: pinned.address, port: Number(url.port) || (tls ? 5671 : 5672), username: cfg.username, password: cfg.password, vhost: cfg.vhost, heartbeat: 30 },
		// The connection's name shows in the broker's management UI: which destination holds it.
		{ clientProperties: { connection_name: `hookstream ${destinationId}` }, ...(tls && pinned.serverName ? { servername: pinned.serverName } : {}) }
	)
	const channel = await conn.createConfirmChannel()
	const link: Link = { conn, channel, returned: new Set(), broken: null }
	// basic.return comes before the confirm of the same message (mandatory publish, no queue bound).
	channel.on('return', (m: ConsumeMessage) => {
		if (m.properties.messageId) link.returned.add(String(m.properties.messageId))
	})
	const onBroken = (err?: Error) => {
		link.broken = err ?? new Error('AMQP connection closed')
	}
	conn.on('error', onBroken)
	conn.on('close', onBroken)
	channel.on('error', onBroken)
	channel.on('close', onBroken)
	return link
}

const links = new Pool<Link>(async (l) => {
	await l.conn.close().catch(() => {})
})

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
	return Promise.race([p, Bun.sleep(ms).then(() => Promise.reject(Object.assign(new Error(`timed out after ${ms} ms`), { name: 'TimeoutError' })))])
}

/** Native AMQP 0-9-1 (amqplib): persistent, mandatory publish on a confirm channel; a nack or a return is a failure. */
export const rabbitAmqp = {
	async send(message: ProviderMessage, target: DeliveryTarget, guard: OutboundGuard): Promise<ProviderOutcome> {
		const cfg = target.provider as unknown as RabbitConfig
		const started = performance.now()
		const elapsed = () => Math.round(performance.now() - started)
		const request = { url: `${cfg.url.replace(/\/+$/, '')}/${encodeURIComponent(cfg.vhost)}/${cfg.exchange || '(default)'}/${cfg.routing_key}`, method: 'basic.publish', recordedHeaders: message.metadata, bodySize: message.body.byteLength }
		let link: Link | null = null
		try {
			link = await withTimeout(links.get(target.row.id, target.row.updated_at, () => openLink(cfg, guard, target.row.id)), target.row.timeout_ms)
			if (link.broken) throw link.broken
			const l = link
			const headers = { 'hookstream-event-id': message.eventId, 'hookstream-destination-id': message.destinationId, ...message.metadata }
			l.returned.delete(message.eventId)
			await withTimeout(new Promise<void>((resolve, reject) => {
				l.channel.publish(cfg.exchange, cfg.routing_key, Buffer.from(message.body), { contentType: message.contentType ?? 'application/octet-stream', messageId: message.eventId, persistent: true, mandatory: true, headers }, (err: unknown) => (err ? reject(new Error('the broker nacked the message')) : resolve()))
			}), target.row.timeout_ms)
			if (l.returned.delete(message.eventId)) {
				return { request, result: failed(`RabbitMQ returned the message as unroutable (312 NO_ROUTE): exchange '${cfg.exchange || '(default)'}', routing key '${cfg.routing_key}'`, 'provider_error', elapsed()) }
			}
			return { request, result: succeeded({ confirmed: true, exchange: cfg.exchange, routing_key: cfg.routing_key, message_id: message.eventId }, elapsed()) }
		} catch (err) {
			if (link) links.discard(target.row.id, link)
			const timeout = (err as Error).name === 'TimeoutError'
			const nack = messageOf(err).includes('nacked')
			return { request, result: failed(messageOf(err), timeout ? 'timeout' : nack ? 'provider_error' : 'network_error', elapsed()) }
		}
	},
	close: (destinationId?: string) => links.close(destinationId)
}
