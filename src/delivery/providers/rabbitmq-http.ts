import type { DeliveryTarget } from '../../destinations/model'
import type { RabbitConfig } from '../../destinations/provider-config'
import { maskSecret } from '../../lib/crypto'
import { sendHttp } from '../outbound'
import type { OutboundGuard } from '../ssrf'
import type { ProviderMessage, ProviderOutcome } from './types'

/**
 * The management API's publish (`POST /api/exchanges/{vhost}/{exchange}/publish`). It
 * publishes mandatory with confirms and answers 200 `{"routed":false}` when no queue got
 * the message (it was dropped): that is a failed attempt.
 */
export async function sendRabbitHttp(message: ProviderMessage, target: DeliveryTarget, guard: OutboundGuard): Promise<ProviderOutcome> {
	const cfg = target.provider as unknown as RabbitConfig
	const url = `${cfg.url.replace(/\/+$/, '')}/api/exchanges/${encodeURIComponent(cfg.vhost)}/${encodeURIComponent(cfg.exchange || 'amq.default')}/publish`
	const properties = {
		content_type: message.contentType ?? 'application/octet-stream', delivery_mode: 2, message_id: message.eventId,
		headers: { 'hookstream-event-id': message.eventId, 'hookstream-destination-id': message.destinationId, ...message.metadata }
	}
	let payload: string
	let encoding: 'string' | 'base64'
	try {
		payload = new TextDecoder('utf-8', { fatal: true }).decode(message.body)
		encoding = 'string'
	} catch {
		payload = Buffer.from(message.body).toString('base64')
		encoding = 'base64'
	}
	const body = new TextEncoder().encode(JSON.stringify({ properties, routing_key: cfg.routing_key, payload, payload_encoding: encoding }))
	const auth = `Basic ${Buffer.from(`${cfg.username}:${cfg.password}`, 'utf8').toString('base64')}`
	const headers = { 'content-type': 'application/json', authorization: auth }
	const result = await sendHttp({ url, method: 'POST', headers, body, timeoutMs: target.row.timeout_ms }, guard)
	const request = { url, method: 'POST', recordedHeaders: { ...headers, authorization: `Basic ${maskSecret(auth.slice(6))}` }, bodySize: body.byteLength }
	let answer: { routed?: boolean; error?: string; reason?: unknown } = {}
	try {
		answer = JSON.parse(result.body ?? '') as typeof answer
	} catch {}
	if (!result.ok) {
		if (answer.error) result.error = `HTTP ${result.status} ${answer.error}: ${typeof answer.reason === 'string' ? answer.reason : JSON.stringify(answer.reason)}`
		return { request, result }
	}
	if (answer.routed !== true) {
		const error = answer.routed === false ? `RabbitMQ routed the message to no queue (routed:false): exchange '${cfg.exchange || 'amq.default'}', routing key '${cfg.routing_key}'` : `RabbitMQ answered 200 without routed: ${result.body?.slice(0, 200)}`
		return { request, result: { ...result, ok: false, errorType: 'provider_error', error } }
	}
	return { request, result }
}
