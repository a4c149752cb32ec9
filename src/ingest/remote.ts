import { assertPublicUrl } from '../delivery/ssrf'

/**
 * A request for a small text resource on the ingest path (SNS signing
 * certificates and subscription confirmations: GET; Plaid verification keys:
 * POST of `json`). The transport is injectable so tests can serve a fake
 * provider locally; the SSRF guard is not.
 */
export type RemoteGet = (url: URL, json?: unknown) => Promise<string>

const MAX_BYTES = 64 * 1024
const TIMEOUT_MS = 5000

/** The real transport: no redirects (a redirect could leave the trusted host), 5 s, 64 KiB. */
export const fetchText: RemoteGet = async (url, json) => {
	const init: RequestInit = json === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }
	const res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) })
	if (!res.ok) throw new Error(`GET ${url.host} answered ${res.status}`)
	const declared = Number(res.headers.get('content-length') ?? '0')
	if (declared > MAX_BYTES) throw new Error(`GET ${url.host}: response over ${MAX_BYTES} bytes`)
	const bytes = new Uint8Array(await res.arrayBuffer())
	if (bytes.byteLength > MAX_BYTES) throw new Error(`GET ${url.host}: response over ${MAX_BYTES} bytes`)
	return new TextDecoder().decode(bytes)
}

/** `transport` behind the delivery SSRF guard: private and metadata addresses are refused unless allowed. */
export function guardedGet(transport: RemoteGet, allowPrivate: boolean): RemoteGet {
	return async (url, json) => {
		await assertPublicUrl(url, allowPrivate)
		return transport(url, json)
	}
}
