import { lookup } from 'node:dns/promises'
import { normalizeAddress } from '../lib/cidr'

/** Address ranges a destination may not point at unless private destinations are allowed. */
const BLOCKED = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal', 'loopback', 'private', 'uniqueLocal', 'carrierGradeNat', 'reserved', 'ipv4Mapped', 'rfc6145', 'rfc6052', '6to4', 'teredo', 'deprecatedSiteLocal'])

export function isBlockedAddress(address: string): boolean {
	const addr = normalizeAddress(address)
	if (!addr) return true
	if (BLOCKED.has(addr.range())) return true
	// IPv4-compatible IPv6 (`::a.b.c.d`, deprecated) would smuggle any IPv4 address past the IPv4 ranges.
	return addr.kind() === 'ipv6' && (addr as { parts: number[] }).parts.slice(0, 6).every((p) => p === 0)
}

export class SsrfBlocked extends Error {}

/** Every address a host name resolves to (tests inject their own). */
export type Resolver = (host: string) => Promise<string[]>

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/** How outbound requests find and vet their peer. */
export interface OutboundGuard {
	allowPrivate: boolean
	resolve: Resolver
	/** Extra trusted CA certificates (PEM); tests use it for a self-signed receiver. */
	ca?: string
	/**
	 * Send with fetch instead of the pooled HTTP/1.1 client (http1.ts): fetch honours
	 * HTTP_PROXY, HTTPS_PROXY and NO_PROXY, so it is the client whenever one of them is set.
	 */
	useFetch?: boolean
}

/** Whether the environment names an outbound proxy (then deliveries go through fetch, which uses it). */
export const proxyConfigured = (env: Record<string, string | undefined> = process.env): boolean =>
	['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => Boolean(env[name]))

export const defaultGuard = (allowPrivate: boolean): OutboundGuard => ({ allowPrivate, resolve: systemResolver, useFetch: proxyConfigured() })

/** Where one request really goes: the checked address, and the original name for Host and TLS. */
export interface PinnedTarget {
	/** The URL to fetch: the original one with its host replaced by the checked address. */
	url: string
	/** The address connected to. */
	address: string
	/** `Host` header of the original URL (with its port when not the default). */
	host: string
	/** TLS server name (SNI and certificate name check) for https to a name; null for an address. */
	serverName: string | null
	/** https: TLS to the address. */
	tls: boolean
	/** The port connected to (the scheme's default when the URL names none). */
	port: number
	/** Path and query of the request line. */
	path: string
}

/** TLS options (fetch's, Bun.connect's) that connect to the pinned address while speaking TLS to the original name. */
export function pinnedTls(target: Pick<PinnedTarget, 'serverName'>, ca?: string): { tls?: { serverName?: string; ca?: string } } {
	if (!target.serverName && !ca) return {}
	return { tls: { ...(target.serverName ? { serverName: target.serverName } : {}), ...(ca ? { ca } : {}) } }
}

/**
 * Resolves the URL's host once, refuses it when any address is private, loopback,
 * link-local (cloud metadata) or otherwise internal (unless allowed), and pins the
 * request to the first checked address. The caller connects to that address, so
 * no second lookup can answer differently (DNS rebinding).
 */
export async function pinUrl(url: URL, guard: OutboundGuard): Promise<PinnedTarget> {
	const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
	const literal = normalizeAddress(host)
	const answers = literal ? [host] : await guard.resolve(host)
	const addresses = answers.map((a) => normalizeAddress(a))
	if (addresses.length === 0) throw new SsrfBlocked(`destination host ${host} has no address`)
	if (!guard.allowPrivate) {
		for (const [i, a] of addresses.entries()) {
			if (!a || isBlockedAddress(a.toString())) throw new SsrfBlocked(`destination address ${answers[i]} is private or internal; set --allow-private-destinations to allow it`)
		}
	}
	const first = addresses[0]
	if (!first) throw new SsrfBlocked(`destination address ${answers[0]} is not an IP address`)
	const address = first.toString()
	const tls = url.protocol === 'https:'
	// The rewritten URL only fetch reads (behind a proxy, and remote schema fetches): made once, when asked.
	const original = url.href
	let href: string | null = null
	const pinnedHref = () => {
		const pinned = new URL(original)
		pinned.hostname = first.kind() === 'ipv6' ? `[${address}]` : address
		return pinned.href
	}
	return {
		get url() {
			href ??= pinnedHref()
			return href
		},
		address, host: url.host, serverName: literal || !tls ? null : host, tls, port: Number(url.port || (tls ? 443 : 80)), path: url.pathname + url.search
	}
}

/** Pins of URLs whose host is an IP address: no lookup involved, so the answer never changes. */
const literalPins = new Map<string, PinnedTarget>()
const LITERAL_PINS_MAX = 1024

/** A pin holds for one URL under one guard: private addresses allowed or not. */
const pinKey = (href: string, guard: OutboundGuard): string => `${guard.allowPrivate ? 'p' : 'n'} ${href}`

/**
 * `pinUrl` for a URL string, remembering the pin of an address URL (checking and
 * rewriting it cost more than the rest of building a request). A remembered pin comes
 * back as is, without a round through a promise (the common case of a send). A host
 * name is resolved and checked afresh every time, as rebinding requires.
 */
export function pinHref(href: string, guard: OutboundGuard): PinnedTarget | Promise<PinnedTarget> {
	const key = pinKey(href, guard)
	return literalPins.get(key) ?? pinAndRemember(key, href, guard)
}

async function pinAndRemember(key: string, href: string, guard: OutboundGuard): Promise<PinnedTarget> {
	const url = new URL(href)
	const pinned = await pinUrl(url, guard)
	const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
	if (pinned.address === host) {
		if (literalPins.size >= LITERAL_PINS_MAX) literalPins.clear()
		literalPins.set(key, pinned)
	}
	return pinned
}
