import type { KafkaConfig } from '../../destinations/provider-config'
import { maskSecret } from '../../lib/crypto'
import { sendHttp } from '../outbound'
import type { OutboundGuard } from '../ssrf'
import type { DeliveryTarget } from '../../destinations/model'
import { type ProviderMessage, type ProviderOutcome, text } from './types'

type RestConfig = Extract<KafkaConfig, { protocol: 'rest' }>

/** The reference: the REST host is the first bootstrap server with its port switched to HTTPS 443, under /kafka. */
export function restBase(cfg: RestConfig): string {
	if (cfg.endpoint) return cfg.endpoint.replace(/\/+$/, '')
	const first = (cfg.bootstrap_servers.replace(/^[a-z]+:\/\//i, '').split(',')[0] ?? '').trim()
	return `https://${first.replace(/:\d+$/, '')}/kafka`
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64')

/** A JSON body goes as a JSON value; anything else as BINARY (base64), byte for byte. */
function valueOf(body: Uint8Array): { type: 'JSON'; data: unknown } | { type: 'BINARY'; data: string } {
	try {
		return { type: 'JSON', data: JSON.parse(text(body)) as unknown }
	} catch {
		return { type: 'BINARY', data: Buffer.from(body).toString('base64') }
	}
}

/**
 * Confluent REST Proxy v3 `records` API, Basic auth `api_key:api_secret`. The proxy reports
 * a refused record inside an HTTP 200: any `error_code` other than 200 is a failed attempt.
 */
export async function sendKafkaRest(message: ProviderMessage, target: DeliveryTarget, guard: OutboundGuard): Promise<ProviderOutcome> {
	const cfg = target.provider as unknown as RestConfig
	const url = `${restBase(cfg)}/v3/clusters/${encodeURIComponent(cfg.cluster_id)}/topics/${encodeURIComponent(cfg.topic)}/records`
	const headers = [
		{ name: 'hookstream-event-id', value: b64(message.eventId) },
		{ name: 'hookstream-destination-id', value: b64(message.destinationId) },
		...Object.entries(message.metadata).filter(([k]) => k !== 'x-hookstream-event-id').map(([name, v]) => ({ name, value: b64(v) }))
	]
	const record = { key: { type: 'STRING', data: message.eventId }, value: valueOf(message.body), headers }
	const body = new TextEncoder().encode(JSON.stringify(record))
	const auth = `Basic ${Buffer.from(`${cfg.api_key}:${cfg.api_secret}`, 'utf8').toString('base64')}`
	const sent = { 'content-type': 'application/json', authorization: auth }
	const result = await sendHttp({ url, method: 'POST', headers: sent, body, timeoutMs: target.row.timeout_ms }, guard)
	const request = { url, method: 'POST', recordedHeaders: { ...sent, authorization: `Basic ${maskSecret(auth.slice(6))}` }, bodySize: body.byteLength }
	let answer: { error_code?: number; message?: string } = {}
	try {
		answer = JSON.parse(result.body ?? '') as typeof answer
	} catch {}
	if (!result.ok) {
		if (answer.message) result.error = `HTTP ${result.status} ${answer.error_code ?? ''}: ${answer.message}`
		return { request, result }
	}
	if (answer.error_code !== 200) {
		const error = `Kafka REST refused the record: error_code ${answer.error_code ?? 'missing'}${answer.message ? `: ${answer.message}` : ''}`
		return { request, result: { ...result, ok: false, errorType: 'provider_error', error } }
	}
	return { request, result }
}
