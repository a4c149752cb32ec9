import { assertPublicUrl } from '../delivery/ssrf'

/**
 * A GET of a small text resource on the ingest path (SNS signing
 * certificates, SNS subscription confirmations). The transport is injectable
 * so tests can serve a fake AWS host locally; the SSRF guard is not.
 */
export type RemoteGet = (url: URL) => Promise<string>

const MAX_BYTES = 64 * 1024
const TIMEOUT_MS = 5000

/** The real transport: no redirects (a redirect could leave the trusted host), 5 s, 64 KiB. */
export const fetchText: RemoteGet = async (url) => {
	const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) })
	if (!res.ok) throw new Error(`GET ${url.host} answered ${res.status}`)
	const declared = Number(res.headers.get('content-length') ?? '0')
	if (declared > MAX_BYTES) throw new Error(`GET ${url.host}: response over ${MAX_BYTES} bytes`)
	const bytes = new Uint8Array(await res.arrayBuffer())
	if (bytes.byteLength > MAX_BYTES) throw new Error(`GET ${url.host}: response over ${MAX_BYTES} bytes`)
	return new TextDecoder().decode(bytes)
}

/** `transport` behind the delivery SSRF guard: private and metadata addresses are refused unless allowed. */
export function guardedGet(transport: RemoteGet, allowPrivate: boolean): RemoteGet {
	return async (url) => {
		await assertPublicUrl(url, allowPrivate)
		return transport(url)
	}
}
