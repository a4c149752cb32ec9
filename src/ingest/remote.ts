import { type OutboundGuard, type PinnedTarget, pinnedTls, pinUrl } from '../delivery/ssrf'
import { readCapped } from '../lib/body'
import { PayloadTooLarge } from '../lib/errors'

/**
 * A request for a small text resource on the ingest path (SNS signing
 * certificates and subscription confirmations: GET; Plaid verification keys:
 * POST of `json`). The transport is injectable so tests can serve a fake
 * provider locally; the SSRF guard is not. `pinned` is the address the guard
 * checked: the real transport connects there, so no second DNS answer counts.
 */
export type RemoteGet = (url: URL, json?: unknown, pinned?: PinnedTarget) => Promise<string>

const MAX_BYTES = 64 * 1024
const TIMEOUT_MS = 5000

/** The real transport: no redirects (a redirect could leave the trusted host), 5 s, 64 KiB. */
export const fetchText: RemoteGet = async (url, json, pinned) => {
	const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' }
	if (pinned) headers.host = pinned.host
	const init: RequestInit = json === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(json) }
	const res = await fetch(pinned?.url ?? url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS), ...(pinned ? pinnedTls(pinned) : {}) })
	if (!res.ok) throw new Error(`GET ${url.host} answered ${res.status}`)
	const declared = Number(res.headers.get('content-length') ?? '0')
	if (declared > MAX_BYTES) throw new Error(`GET ${url.host}: response over ${MAX_BYTES} bytes`)
	try {
		// Read chunk by chunk: an undeclared (chunked) length is cut off at MAX_BYTES instead of buffered whole.
		return new TextDecoder().decode(await readCapped(res.body, MAX_BYTES))
	} catch (err) {
		if (err instanceof PayloadTooLarge) throw new Error(`GET ${url.host}: response over ${MAX_BYTES} bytes`)
		throw err
	}
}

/** `transport` behind the delivery SSRF guard: private and metadata addresses are refused unless allowed. */
export function guardedGet(transport: RemoteGet, guard: OutboundGuard): RemoteGet {
	return async (url, json) => {
		const pinned = await pinUrl(url, guard)
		return transport(url, json, pinned)
	}
}
