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

	constructor(
		private readonly repo: Pick<SourcesRepo, 'rateLimited' | 'findById'>,
		private readonly clock: Clock
	) {}

	get size(): number {
		return this.#buckets.size
	}

	async load(): Promise<void> {
		for (const r of await this.repo.rateLimited()) this.#set(r.id, r.rate_limit_per_second)
	}

	/** After a source changed (or was deleted). */
	async refresh(id: string): Promise<void> {
		const row = await this.repo.findById(id)
		this.#set(id, row?.rate_limit_per_second ?? null)
	}

	#set(id: string, rate: number | null): void {
		if (rate === null) this.#buckets.delete(id)
		else if (this.#buckets.get(id)?.rate !== rate) this.#buckets.set(id, { rate, tokens: rate, at: this.clock.now() })
	}

	/** 0 when the request may go ahead (and takes its token), else the seconds to wait. */
	retryAfter(sourceId: string | null): number {
		if (sourceId === null) return 0
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
