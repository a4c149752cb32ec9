import type { EventData } from '../../live/model'
import { ClientError } from './config'

/** Headers that describe one hop, not the message: never replayed to the local app. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length'])

/** `3000`, `localhost:3000/hook` or a full URL → a full http(s) URL. */
export function forwardTarget(value: string): URL {
	const text = /^\d+$/.test(value) ? `http://localhost:${value}` : /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`
	let url: URL
	try {
		url = new URL(text)
	} catch {
		throw new ClientError(`--forward-to: '${value}' is not a URL (e.g. http://localhost:3000/webhooks)`, 2)
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ClientError('--forward-to must be an http(s) URL', 2)
	return url
}

/** The exact bytes received: the stream carries them as UTF-8 text or base64. */
export function bodyBytes(ev: EventData): Uint8Array {
	return ev.body_encoding === 'base64' ? new Uint8Array(Buffer.from(ev.body, 'base64')) : new TextEncoder().encode(ev.body)
}

/** The target URL with the event's own query appended after the target's. */
export function forwardUrl(target: URL, ev: EventData): string {
	const url = new URL(target)
	for (const [key, value] of Object.entries(ev.query_params ?? {})) {
		for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v)
	}
	return url.toString()
}

export type ForwardResult = { url: string; status: number; latencyMs: number; error: null } | { url: string; status: null; latencyMs: number; error: string }

/**
 * Replays one event to the local app as it was received: same method, same
 * headers (less hop-by-hop ones), the same raw body bytes (never re-serialised,
 * so signatures still verify), plus `X-Hookstream-Event-Id`.
 */
export async function forwardEvent(target: URL, ev: EventData, timeoutMs = 30_000): Promise<ForwardResult> {
	const url = forwardUrl(target, ev)
	const headers = new Headers()
	// Headers the sender's Connection header names are hop-by-hop too (RFC 9110 §7.6.1).
	const named = new Set((ev.headers.connection ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
	for (const [name, value] of Object.entries(ev.headers)) if (!HOP_BY_HOP.has(name.toLowerCase()) && !named.has(name.toLowerCase())) headers.append(name, value)
	headers.set('x-hookstream-event-id', ev.id)
	const method = ev.method === 'WEBSOCKET' ? 'POST' : ev.method
	const started = performance.now()
	try {
		const res = await fetch(url, {
			method, headers, redirect: 'manual', decompress: false,
			body: method === 'GET' || method === 'HEAD' ? undefined : bodyBytes(ev),
			signal: AbortSignal.timeout(timeoutMs)
		} as RequestInit)
		await res.arrayBuffer().catch(() => null)
		return { url, status: res.status, latencyMs: Math.round(performance.now() - started), error: null }
	} catch (err) {
		return { url, status: null, latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) }
	}
}
