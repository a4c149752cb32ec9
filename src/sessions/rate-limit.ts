import { normalizeAddress } from '../lib/cidr'

/**
 * Whom a limit counts: an IPv4 address, or an IPv6 address's /64. One
 * subscriber usually gets a whole /64, so counting single IPv6 addresses would
 * give each client 2^64 allowances. IPv4-mapped addresses count as IPv4.
 */
export function addressKey(ip: string): string {
	const addr = normalizeAddress(ip)
	if (addr === null) return ip
	if (addr.kind() === 'ipv4') return addr.toString()
	return `${addr.toNormalizedString().split(':').slice(0, 4).join(':')}::/64`
}

/**
 * At most `limit` hits per client address (see addressKey) within a sliding `windowMs`. In memory: a restart
 * forgets, which for a per-hour anti-abuse limit is acceptable.
 */
export class IpWindowLimiter {
	readonly #hits = new Map<string, number[]>()
	#sweepAt = 0

	constructor(
		private readonly limit: number,
		private readonly windowMs: number
	) {}

	/** Records a hit; null when allowed, else milliseconds until the next one would be. */
	hit(ip: string, now: number): number | null {
		const key = addressKey(ip)
		this.#sweep(now)
		const recent = (this.#hits.get(key) ?? []).filter((t) => t > now - this.windowMs)
		if (recent.length >= this.limit) {
			this.#hits.set(key, recent)
			return (recent[0] as number) + this.windowMs - now
		}
		recent.push(now)
		this.#hits.set(key, recent)
		return null
	}

	/** Drops keys whose hits have all aged out, so the map does not grow with every address ever seen. */
	#sweep(now: number): void {
		if (now < this.#sweepAt) return
		this.#sweepAt = now + this.windowMs
		for (const [key, hits] of this.#hits) if (hits.every((t) => t <= now - this.windowMs)) this.#hits.delete(key)
	}
}
