import { importPKCS8, SignJWT } from 'jose'
import { createHash } from 'node:crypto'
import type { PubSubConfig } from '../../destinations/provider-config'
import { maskSecret } from '../../lib/crypto'
import { sendHttp } from '../outbound'
import type { OutboundGuard } from '../ssrf'
import { failed, type Provider } from './types'

const SCOPE = 'https://www.googleapis.com/auth/pubsub'
const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token'
/** Tokens are reused until this close to their expiry. */
const EARLY_MS = 60_000

interface ServiceAccount { client_email: string; private_key: string; private_key_id?: string; token_uri?: string }

/** Access tokens by service account (email, token URI and a hash of the private key), until shortly before they expire. */
const tokens = new Map<string, { token: string; expiresAt: number }>()

/**
 * Google's JWT-bearer flow: an RS256 assertion signed with the key file's private key,
 * exchanged at its token_uri (through the SSRF guard) for an access token.
 */
export async function accessToken(sa: ServiceAccount, guard: OutboundGuard, timeoutMs: number, now = Date.now()): Promise<{ token: string } | { error: string; status: number | null }> {
	// The key itself is part of the identity: a replaced key must not reuse the old key's token.
	const cacheKey = `${sa.client_email}|${sa.token_uri ?? ''}|${createHash('sha256').update(sa.private_key).digest('hex')}`
	const cached = tokens.get(cacheKey)
	if (cached && cached.expiresAt - EARLY_MS > now) return { token: cached.token }
	const tokenUri = sa.token_uri ?? GOOGLE_TOKEN_URI
	const key = await importPKCS8(sa.private_key, 'RS256')
	const iat = Math.floor(now / 1000)
	const assertion = await new SignJWT({ scope: SCOPE })
		.setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(sa.private_key_id ? { kid: sa.private_key_id } : {}) })
		.setIssuer(sa.client_email).setAudience(tokenUri).setIssuedAt(iat).setExpirationTime(iat + 3600)
		.sign(key)
	const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion })
	const res = await sendHttp({ url: tokenUri, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new TextEncoder().encode(form.toString()), timeoutMs }, guard)
	if (!res.ok) {
		let detail = res.error ?? 'token request failed'
		try {
			const j = JSON.parse(res.body ?? '') as { error?: string; error_description?: string }
			detail = `${res.error}: ${[j.error, j.error_description].filter(Boolean).join(': ')}`
		} catch {}
		return { error: `token exchange at ${tokenUri} failed: ${detail}`, status: res.status }
	}
	const j = JSON.parse(res.body ?? '{}') as { access_token?: string; expires_in?: number }
	if (!j.access_token) return { error: `token exchange at ${tokenUri} returned no access_token`, status: res.status }
	tokens.set(cacheKey, { token: j.access_token, expiresAt: now + (j.expires_in ?? 3600) * 1000 })
	return { token: j.access_token }
}

/** Pub/Sub attribute values are strings; the event and source ids as the reference names them, plus the delivery metadata. */
async function attributesOf(message: Parameters<Provider['send']>[0]): Promise<Record<string, string>> {
	const event = await message.event()
	return { ...message.metadata, event_id: message.eventId, ...(event ? { source_id: event.source_id } : {}) }
}

/** `topics.publish` over REST: data is the base64 body; a token from the service account (cached). */
export const pubsubProvider: Provider = {
	async send(message, target, guard) {
		const cfg = target.provider as unknown as PubSubConfig
		const base = (cfg.endpoint ?? 'https://pubsub.googleapis.com').replace(/\/+$/, '')
		const url = `${base}/v1/projects/${encodeURIComponent(cfg.project_id)}/topics/${encodeURIComponent(cfg.topic_id)}:publish`
		const started = performance.now()
		const sa = JSON.parse(cfg.service_account_json) as ServiceAccount
		const body = new TextEncoder().encode(JSON.stringify({ messages: [{ data: Buffer.from(message.body).toString('base64'), attributes: await attributesOf(message) }] }))
		const request = { url, method: 'POST', recordedHeaders: null as Record<string, string> | null, bodySize: body.byteLength }
		const token = await accessToken(sa, guard, target.row.timeout_ms)
		if ('error' in token) return { request, result: failed(token.error, token.status === null ? 'network_error' : 'provider_error', Math.round(performance.now() - started), token.status) }
		const headers = { 'content-type': 'application/json', authorization: `Bearer ${token.token}` }
		request.recordedHeaders = { ...headers, authorization: `Bearer ${maskSecret(token.token)}` }
		const result = await sendHttp({ url, method: 'POST', headers, body, timeoutMs: target.row.timeout_ms }, guard)
		if (!result.ok && result.status !== null) {
			try {
				const e = (JSON.parse(result.body ?? '') as { error?: { status?: string; message?: string } }).error
				if (e) result.error = `HTTP ${result.status} ${e.status ?? ''}: ${e.message ?? ''}`
			} catch {}
		}
		return { request, result }
	}
}
