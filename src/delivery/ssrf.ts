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

/**
 * Refuses URLs whose host is, or resolves to, a private, loopback, link-local
 * (cloud metadata) or otherwise internal address. Every resolved address must
 * be public: one bad A record is enough to refuse.
 */
export async function assertPublicUrl(url: URL, allowPrivate: boolean): Promise<void> {
	if (allowPrivate) return
	const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
	const literal = normalizeAddress(host)
	const addresses = literal ? [literal.toString()] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
	for (const a of addresses) {
		if (isBlockedAddress(a)) throw new SsrfBlocked(`destination address ${a} is private or internal; set --allow-private-destinations to allow it`)
	}
}
