/**
 * Failed sign-ins per account name (lower-cased email), in a fixed window. Keyed
 * by account rather than client IP so it holds behind proxies and NAT, and in
 * tests without a socket. The price is that someone can lock an account out for
 * at most one window; a correct password does not reset a locked window.
 */
export class SignInLimiter {
	readonly #failures = new Map<string, { count: number; resetAt: number }>()

	constructor(
		private readonly maxFailures: number,
		private readonly windowMs: number,
		private readonly now: () => number = Date.now
	) {}

	/** Seconds until the account may try again, or 0 when it may try now. */
	retryAfter(account: string): number {
		const entry = this.#failures.get(account)
		if (!entry) return 0
		const left = entry.resetAt - this.now()
		if (left <= 0) {
			this.#failures.delete(account)
			return 0
		}
		return entry.count >= this.maxFailures ? Math.ceil(left / 1000) : 0
	}

	failed(account: string): void {
		const now = this.now()
		const entry = this.#failures.get(account)
		if (!entry || entry.resetAt <= now) this.#failures.set(account, { count: 1, resetAt: now + this.windowMs })
		else entry.count++
		// Bounded memory under a spray of made-up names: drop expired entries now and then.
		if (this.#failures.size > 10_000) {
			for (const [k, v] of this.#failures) if (v.resetAt <= now) this.#failures.delete(k)
		}
	}

	succeeded(account: string): void {
		if (this.retryAfter(account) === 0) this.#failures.delete(account)
	}
}
