/**
 * How many remote fetches the ingest path may start on a sender's say-so. SNS
 * certificate URLs and Plaid key ids come from unauthenticated requests, and each
 * new one is an outbound request (Plaid's carries the user's API secret): without
 * a bound, anyone could make this server hammer AWS or spend the user's Plaid
 * quota. Per key (a certificate host, a Plaid client): at most `perMinute` fetches
 * started in a fixed one-minute window and `concurrent` in flight. Over budget the
 * caller goes without (the request fails verification); cached material is not
 * affected, so known providers keep working while an attack runs.
 */
export class FetchBudget {
	readonly #windows = new Map<string, { start: number; started: number; inFlight: number }>()

	constructor(
		private readonly perMinute: number,
		private readonly concurrent: number,
		private readonly now: () => number
	) {}

	/** Runs `fetch` when the key has budget left, else resolves to null without running it. */
	async run<T>(key: string, fetch: () => Promise<T>): Promise<T | null> {
		const now = this.now()
		let w = this.#windows.get(key)
		if (!w) {
			if (this.#windows.size >= 1024) this.#prune(now)
			w = { start: now, started: 0, inFlight: 0 }
			this.#windows.set(key, w)
		} else if (now - w.start >= 60_000) {
			w.start = now
			w.started = 0
		}
		if (w.started >= this.perMinute || w.inFlight >= this.concurrent) return null
		w.started++
		w.inFlight++
		try {
			return await fetch()
		} finally {
			w.inFlight--
		}
	}

	#prune(now: number): void {
		for (const [key, w] of this.#windows) if (now - w.start >= 60_000 && w.inFlight === 0) this.#windows.delete(key)
	}
}
