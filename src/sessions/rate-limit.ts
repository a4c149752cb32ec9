/**
 * At most `limit` hits per key within a sliding `windowMs`. In memory: a restart
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
	hit(key: string, now: number): number | null {
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
