import type { S3Config } from '../../destinations/provider-config'
import { attributeName, sendSigned, sha256Hex } from './aws'
import { type Provider, type ProviderMessage, text } from './types'

const pad = (n: number) => String(n).padStart(2, '0')

/** The object key: `key_template` (or the reference's `{prefix}{yyyy}/{mm}/{dd}/{event_id}.json`), dates of the event's arrival, UTC. */
export function objectKey(cfg: S3Config, m: { eventId: string; destinationId: string; sourceId: string; receivedAt: number }): string {
	const d = new Date(m.receivedAt)
	const values: Record<string, string> = {
		prefix: cfg.prefix, yyyy: String(d.getUTCFullYear()), mm: pad(d.getUTCMonth() + 1), dd: pad(d.getUTCDate()),
		event_id: m.eventId, source_id: m.sourceId, destination_id: m.destinationId
	}
	const template = cfg.key_template ?? `{prefix}{yyyy}/{mm}/{dd}/{event_id}${cfg.format === 'json' ? '.json' : ''}`
	return template.replace(/\{([a-z_]+)\}/g, (_, k: string) => values[k] ?? '')
}

/** `json` wraps the delivery in the reference's envelope; `raw` stores the body as is, its content type kept. */
async function objectOf(cfg: S3Config, message: ProviderMessage): Promise<{ body: Uint8Array; contentType: string; key: string }> {
	const event = await message.event()
	const key = objectKey(cfg, { eventId: message.eventId, destinationId: message.destinationId, sourceId: event?.source_id ?? '', receivedAt: event?.received_at ?? message.now })
	if (cfg.format === 'raw') return { body: message.body, contentType: message.contentType ?? 'application/octet-stream', key }
	let body: unknown = text(message.body)
	try {
		body = JSON.parse(body as string)
	} catch {}
	const envelope = {
		event_id: message.eventId, source_id: event?.source_id ?? null, method: event?.method ?? null,
		headers: event ? (JSON.parse(event.headers) as unknown) : {}, body, received_at: event ? new Date(event.received_at).toISOString() : null
	}
	return { body: new TextEncoder().encode(JSON.stringify(envelope)), contentType: 'application/json', key }
}

/** `PutObject`, one object per event; path-style on a custom endpoint (moto, MinIO, R2), virtual-hosted on AWS. */
export const s3Provider: Provider = {
	async send(message, target, guard) {
		const cfg = target.provider as unknown as S3Config
		const object = await objectOf(cfg, message)
		const path = object.key.split('/').map(encodeURIComponent).join('/')
		const url = cfg.endpoint ? `${cfg.endpoint.replace(/\/+$/, '')}/${cfg.bucket}/${path}` : `https://${cfg.bucket}.s3.${cfg.region}.amazonaws.com/${path}`
		const headers: Record<string, string> = { 'content-type': object.contentType, 'x-amz-content-sha256': sha256Hex(object.body) }
		for (const [k, v] of Object.entries(message.metadata)) if (k !== 'content-type') headers[`x-amz-meta-${attributeName(k).toLowerCase()}`] = v
		const out = await sendSigned(cfg, 's3', { url, method: 'PUT', headers, body: object.body }, target, guard)
		if (out.result.ok) out.result.body = JSON.stringify({ bucket: cfg.bucket, key: object.key, etag: out.result.headers?.etag ?? null })
		return out
	}
}
