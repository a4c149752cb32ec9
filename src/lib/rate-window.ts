/** One caller's standing in its window, as the IETF RateLimit-* headers state it. */
export interface RateQuota {
	allowed: boolean
	limit: number
	remaining: number
	/** Seconds until the window resets (at least 1). */
	resetSeconds: number
}

/**
 * Fixed-window request counters per key, in memory (one process; a restart
 * forgives). Memory is bounded: expired windows are dropped as keys churn.
 */
export class WindowLimiter {
	readonly #windows = new Map<string, { count: number; resetAt: number }>()

	constructor(
		readonly limit: number,
		private readonly windowMs: number,
		private readonly now: () => number = Date.now
	) {}

	take(key: string): RateQuota {
		const now = this.now()
		let w = this.#windows.get(key)
		if (!w || w.resetAt <= now) {
			if (this.#windows.size > 10_000) for (const [k, v] of this.#windows) if (v.resetAt <= now) this.#windows.delete(k)
			w = { count: 0, resetAt: now + this.windowMs }
			this.#windows.set(key, w)
		}
		const allowed = w.count < this.limit
		if (allowed) w.count++
		return { allowed, limit: this.limit, remaining: this.limit - w.count, resetSeconds: Math.max(1, Math.ceil((w.resetAt - now) / 1000)) }
	}
}

export function rateLimitHeaders(q: RateQuota): Record<string, string> {
	return { 'ratelimit-limit': String(q.limit), 'ratelimit-remaining': String(q.remaining), 'ratelimit-reset': String(q.resetSeconds) }
}
