import { IpList, normalizeAddress } from '../lib/cidr'

/**
 * The sender's address. `X-Forwarded-For` is believed only when the peer is a
 * configured trusted proxy; then the rightmost hop that is not itself trusted
 * is the client (anything left of it could have been written by the client).
 */
export class ClientIpResolver {
	readonly #trusted: IpList | null

	constructor(trustedProxies: readonly string[]) {
		this.#trusted = trustedProxies.length ? new IpList(trustedProxies) : null
	}

	/** As `resolve`, reading `X-Forwarded-For` only when some proxy is trusted (most servers trust none). */
	resolveFrom(peer: string | null, headers: Headers): string | null {
		return this.resolve(peer, this.#trusted ? headers.get('x-forwarded-for') : null)
	}

	resolve(peer: string | null, forwardedFor: string | null): string | null {
		const peerAddr = peer ? canonical(peer) : null
		if (!peerAddr || !this.#trusted || !forwardedFor || !this.#trusted.contains(peerAddr)) return peerAddr
		const hops = forwardedFor.split(',').map((h) => h.trim()).filter(Boolean)
		for (let i = hops.length - 1; i >= 0; i--) {
			const hop = canonical(hops[i] ?? '')
			if (!hop) return peerAddr // a garbled chain is not evidence of anything
			if (!this.#trusted.contains(hop)) return hop
		}
		return peerAddr
	}
}

const DOTTED = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as Bun reports IPv4 peers on a dual-stack socket) → `1.2.3.4`. */
function canonical(address: string): string | null {
	// Fast path for what sockets report: plain or mapped IPv4 needs no full parse.
	if (DOTTED.test(address)) return address
	if (address.startsWith('::ffff:') && DOTTED.test(address.slice(7))) return address.slice(7)
	return normalizeAddress(address)?.toString() ?? null
}
