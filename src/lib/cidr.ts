import ipaddr from 'ipaddr.js'

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number]

/** Parses an address or CIDR into a range; IPv4-mapped IPv6 is folded to IPv4. Null when invalid. */
export function parseRange(entry: string): Range | null {
	const text = entry.trim()
	try {
		if (text.includes('/')) {
			const [addr, bits] = ipaddr.parseCIDR(text)
			if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
				return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]
			}
			return [addr, bits]
		}
		const addr = normalizeAddress(text)
		return addr ? [addr, addr.kind() === 'ipv4' ? 32 : 128] : null
	} catch {
		return null
	}
}

/** Strict address parse (no shorthand like `10.1`), IPv4-mapped IPv6 folded to IPv4. */
export function normalizeAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
	const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
	if (!ipaddr.IPv4.isValidFourPartDecimal(bare) && !ipaddr.IPv6.isValid(bare)) return null
	const addr = ipaddr.parse(bare)
	if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
		return (addr as ipaddr.IPv6).toIPv4Address()
	}
	return addr
}

/** A compiled list of ranges, matched against client addresses on the ingest hot path. */
export class IpList {
	readonly #ranges: Range[]

	constructor(entries: readonly string[]) {
		this.#ranges = entries.map((e) => {
			const range = parseRange(e)
			if (!range) throw new Error(`invalid IP or CIDR: ${e}`)
			return range
		})
	}

	get size(): number {
		return this.#ranges.length
	}

	contains(address: string): boolean {
		const addr = normalizeAddress(address)
		if (!addr) return false
		return this.#ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))
	}
}
