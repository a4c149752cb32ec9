/** Small total helpers shared by the handshake answerers. */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { HandshakeReply } from './types'

/** Challenge requests are tiny; anything bigger is an event and is not parsed a second time. */
const MAX_CHALLENGE_BYTES = 4096
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A small body parsed as a JSON object, else null (bodies over 4 KiB are never challenges). */
export function smallJson(body: Uint8Array): Record<string, unknown> | null {
	if (body.length === 0 || body.length > MAX_CHALLENGE_BYTES || body[0] !== 0x7b) return null
	try {
		const value: unknown = JSON.parse(utf8.decode(body))
		return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null
	} catch {
		return null
	}
}

/** One query parameter (present exactly once), else null. */
export function queryParam(url: string, name: string): string | null {
	if (!url.includes('?')) return null
	try {
		const all = new URL(url).searchParams.getAll(name)
		return all.length === 1 ? (all[0] ?? null) : null
	} catch {
		return null
	}
}

export const jsonReply = (value: unknown): HandshakeReply => ({
	status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value)
})

/** Plain text echo; nosniff so an echoed challenge can never be rendered as HTML. */
export const textReply = (text: string): HandshakeReply => ({
	status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: text
})

/** Constant-time string equality (both sides hashed, so lengths do not leak). */
export function sameSecret(a: string, b: string): boolean {
	const ha = createHash('sha256').update(a, 'utf8').digest()
	const hb = createHash('sha256').update(b, 'utf8').digest()
	return timingSafeEqual(ha, hb)
}

/** The first usable secret: providers that key their challenge answer (Zoom, X) have exactly one. */
export function firstSecret(secrets: string[]): string | null {
	return secrets.find((s) => typeof s === 'string' && s !== '') ?? null
}
