/** Builders shared by the verifier tests: requests, settings, and one-byte tampering. */
import type { VerificationType, VerifyRequest, VerifySettings } from '../../../src/verify/types'

export interface RequestInit {
	headers?: Record<string, string>
	body?: string | Uint8Array
	url?: string
	method?: string
	/** Epoch milliseconds the verifier sees as "now". */
	nowMs?: number
}

/** A VerifyRequest with defaults suitable for a JSON POST. */
export function makeRequest(init: RequestInit = {}): VerifyRequest {
	const body = init.body ?? ''
	return {
		method: init.method ?? 'POST',
		url: init.url ?? 'https://hooks.example.com/v1/ingest/src_test',
		headers: new Headers(init.headers ?? {}),
		body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
		nowMs: init.nowMs ?? Date.now()
	}
}

/** VerifySettings with an empty config and no header override unless given. */
export function makeSettings(
	type: VerificationType,
	secrets: string[],
	header: string | null = null,
	config: Record<string, unknown> = {}
): VerifySettings {
	return { type, secrets, header, config }
}

/** The same body with exactly one byte changed (the middle one, low bit flipped). */
export function tamper(body: string | Uint8Array): Uint8Array {
	const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : Uint8Array.from(body)
	const at = Math.floor(bytes.length / 2)
	bytes[at] = (bytes[at] ?? 0) ^ 0x01
	return bytes
}

/** Seconds → milliseconds, for readable `nowMs` values. */
export const sec = (seconds: number): number => seconds * 1000

export interface Vector {
	type: VerificationType
	secret: string
	body: string | Uint8Array
	headers: Record<string, string>
	header?: string | null
	config?: Record<string, unknown>
	url?: string
	nowMs?: number
	/** A secret of the same shape that must not verify; defaults to the secret with one char changed. */
	wrongSecret?: string
}

/** The request a vector describes, optionally with another body. */
export function vectorRequest(v: Vector, body: string | Uint8Array = v.body): VerifyRequest {
	return makeRequest({ headers: v.headers, body, ...(v.url ? { url: v.url } : {}), ...(v.nowMs === undefined ? {} : { nowMs: v.nowMs }) })
}

/** Settings for a vector with the given secrets. */
export function vectorSettings(v: Vector, secrets: string[] = [v.secret]): VerifySettings {
	return makeSettings(v.type, secrets, v.header ?? null, v.config ?? {})
}

/** A different secret of the same length: last character swapped. */
export function otherSecret(secret: string): string {
	const last = secret.at(-1)
	return secret.slice(0, -1) + (last === 'A' ? 'B' : 'A')
}

/**
 * An HMAC computed independently of the code under test (which uses node:crypto's
 * createHmac): WebCrypto's `subtle.sign`, hex by hand, base64 through `btoa`.
 */
export async function webCryptoHmac(hash: 'SHA-1' | 'SHA-256', secret: string, body: string, encoding: 'hex' | 'base64'): Promise<string> {
	const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash }, false, ['sign'])
	const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)))
	if (encoding === 'base64') return btoa(String.fromCharCode(...mac))
	return Array.from(mac, (b) => (b < 16 ? '0' : '') + b.toString(16)).join('')
}
