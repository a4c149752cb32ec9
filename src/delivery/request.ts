import { createHmac } from 'node:crypto'
import type { DeliveryTarget } from '../destinations/model'
import { maskSecret } from '../lib/crypto'
import type { OutboundRequest } from './outbound'

export interface RequestParts {
	eventId: string
	attemptNumber: number
	body: Uint8Array
	contentType: string | null
	now: number
}

/** Auth headers of a destination, and the names whose values are credentials (masked when recorded). */
function authHeaders(auth: DeliveryTarget['auth']): { headers: Record<string, string>; secretNames: string[] } {
	switch (auth.type) {
		case 'bearer':
			return { headers: { authorization: `Bearer ${auth.config.token}` }, secretNames: ['authorization'] }
		case 'basic':
			// UTF-8 bytes (RFC 7617 charset): btoa would send Latin-1 for é and throw for anything past U+00FF.
			return { headers: { authorization: `Basic ${Buffer.from(`${auth.config.username}:${auth.config.password}`, 'utf8').toString('base64')}` }, secretNames: ['authorization'] }
		case 'api_key':
			return { headers: { [auth.config.header.toLowerCase()]: auth.config.key }, secretNames: [auth.config.header.toLowerCase()] }
		case 'custom': {
			const headers = Object.fromEntries(Object.entries(auth.config.headers).map(([k, v]) => [k.toLowerCase(), v]))
			return { headers, secretNames: Object.keys(headers) }
		}
		default:
			return { headers: {}, secretNames: [] }
	}
}

/**
 * The HTTP request of one attempt: the destination's headers, then auth, then
 * the contract's `X-hookstream-*` headers and the signature (which the user's
 * headers cannot override). Also returns the headers as recorded, credentials masked.
 */
export function buildRequest(target: DeliveryTarget, parts: RequestParts): { request: OutboundRequest; recorded: Record<string, string> } {
	const headers: Record<string, string> = {}
	for (const [k, v] of Object.entries(target.headers)) headers[k.toLowerCase()] = v
	if (parts.contentType && !headers['content-type']) headers['content-type'] = parts.contentType
	const auth = authHeaders(target.auth)
	Object.assign(headers, auth.headers)
	headers['x-hookstream-event-id'] = parts.eventId
	headers['x-hookstream-delivery-attempt'] = String(parts.attemptNumber)
	headers['x-hookstream-timestamp'] = new Date(parts.now).toISOString()
	const signing = target.signing
	if (signing) {
		const unix = Math.floor(parts.now / 1000)
		const mac = createHmac(signing.algorithm, signing.secret)
		// With include_timestamp the signed string is `{unix_ts}.{body}` and the timestamp header carries that unix time.
		if (signing.include_timestamp) {
			mac.update(`${unix}.`)
			headers[signing.timestamp_header.toLowerCase()] = String(unix)
		}
		mac.update(parts.body)
		headers[signing.header.toLowerCase()] = `${signing.prefix}${mac.digest('hex')}`
	}
	const recorded = { ...headers }
	for (const name of auth.secretNames) if (recorded[name] !== undefined) recorded[name] = maskSecret(recorded[name]) ?? ''
	const url = target.row.url ?? ''
	return { request: { url, method: target.row.method, headers, body: parts.body, timeoutMs: target.row.timeout_ms }, recorded }
}
