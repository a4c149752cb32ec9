import type { EventBridgeConfig } from '../../destinations/provider-config'
import { sendSigned } from './aws'
import { type Provider, text } from './types'

interface PutEventsAnswer {
	FailedEntryCount?: number
	Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[]
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The entry's Detail. `payload`: the body itself (EventBridge requires a JSON object).
 * `envelope`: `{body, metadata}` — the body as a string, byte-exact after EventBridge
 * re-serializes Detail, so a consumer can check the signature in `metadata` over it
 * (`body_base64` instead when the body is not UTF-8).
 */
function detailOf(format: EventBridgeConfig['detail_format'], body: Uint8Array, metadata: Record<string, string>): string {
	if (format !== 'envelope') return text(body)
	let asText: string | null = null
	try {
		asText = utf8.decode(body)
	} catch {}
	const carried = asText === null ? { body_base64: Buffer.from(body).toString('base64') } : { body: asText }
	return JSON.stringify({ ...carried, metadata })
}

/**
 * `PutEvents` with one entry (Detail per `detail_format`). EventBridge reports a refused
 * entry inside an HTTP 200: `FailedEntryCount > 0` is a failed attempt carrying the entry's
 * error code.
 */
export const eventBridgeProvider: Provider = {
	async send(message, target, guard) {
		const cfg = target.provider as unknown as EventBridgeConfig
		const entry = { Source: cfg.source, DetailType: cfg.detail_type, Detail: detailOf(cfg.detail_format, message.body, message.metadata), EventBusName: cfg.event_bus_arn, Resources: [], Time: Math.floor(message.now / 1000) }
		const url = cfg.endpoint ?? `https://events.${cfg.region}.amazonaws.com/`
		const body = new TextEncoder().encode(JSON.stringify({ Entries: [entry] }))
		const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' }
		const out = await sendSigned(cfg, 'events', { url, method: 'POST', headers, body }, target, guard)
		if (!out.result.ok) return out
		let answer: PutEventsAnswer = {}
		try {
			answer = JSON.parse(out.result.body ?? '') as PutEventsAnswer
		} catch {
			return { ...out, result: { ...out.result, ok: false, errorType: 'provider_error', error: 'EventBridge answered 200 with a body that is not PutEvents JSON' } }
		}
		const entryResult = answer.Entries?.[0]
		if ((answer.FailedEntryCount ?? 0) > 0 || !entryResult?.EventId) {
			const error = `PutEvents refused the entry: ${entryResult?.ErrorCode ?? 'no EventId returned'}${entryResult?.ErrorMessage ? `: ${entryResult.ErrorMessage}` : ''}`
			return { ...out, result: { ...out.result, ok: false, errorType: 'provider_error', error } }
		}
		return out
	}
}
