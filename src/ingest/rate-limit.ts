import type { Clock } from '../lib/clock'
import type { SourcesRepo } from '../sources/repo'

interface Bucket { rate: number; tokens: number; at: number }

/**
 * Per-source ingest limits (`rate_limit_per_second`): a token bucket per source
 * that set one, holding up to one second of requests. Only those sources are
 * in the map, so every other ingest request pays one size check.
 */
export class SourceRateLimits {
	readonly #buckets = new Map<string, Bucket>()
	/** Sources being re-read after a change: their next request waits for the new limit. */
	readonly #reloading = new Map<string, Promise<void>>()

	constructor(
		private readonly repo: Pick<SourcesRepo, 'rateLimited' | 'findById'>,
		private readonly clock: Clock
	) {}

	/** Sources with a limit, or one being re-read (0: the ingest path skips the check). */
	get size(): number {
		return this.#buckets.size + this.#reloading.size
	}

	async load(): Promise<void> {
		for (const r of await this.repo.rateLimited()) this.#set(r.id, r.rate_limit_per_second)
	}

	/**
	 * After a source changed (or was deleted). The re-read is registered at once, so a
	 * request that follows the change (the PATCH's own client) sees the new limit even
	 * when the read takes a network round trip (PostgreSQL). Re-reads of one source run
	 * in order, so the last change wins; a failed one keeps the limit it had.
	 */
	refresh(id: string): Promise<void> {
		const reload = (this.#reloading.get(id) ?? Promise.resolve())
			.then(async () => this.#set(id, (await this.repo.findById(id))?.rate_limit_per_second ?? null))
			.catch(() => {})
			.finally(() => {
				if (this.#reloading.get(id) === reload) this.#reloading.delete(id)
			})
		this.#reloading.set(id, reload)
		return reload
	}

	#set(id: string, rate: number | null): void {
		if (rate === null) this.#buckets.delete(id)
		else if (this.#buckets.get(id)?.rate !== rate) this.#buckets.set(id, { rate, tokens: rate, at: this.clock.now() })
	}

	/** 0 when the request may go ahead (and takes its token), else the seconds to wait; a promise of that while the source's limit is re-read. */
	retryAfter(sourceId: string | null): number | Promise<number> {
		if (sourceId === null) return 0
		const reload = this.#reloading.get(sourceId)
		if (reload) return reload.then(() => this.retryAfter(sourceId))
		const b = this.#buckets.get(sourceId)
		if (!b) return 0
		const now = this.clock.now()
		b.tokens = Math.min(b.rate, b.tokens + ((now - b.at) * b.rate) / 1000)
		b.at = now
		if (b.tokens >= 1) {
			b.tokens -= 1
			return 0
		}
		return Math.max(1, Math.ceil((1 - b.tokens) / b.rate))
	}
}
