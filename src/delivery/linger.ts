import type { GroupCommitter } from '../db/write'

/**
 * Holds writes for a moment before handing them to a group committer, so that
 * they share one transaction even when they arrive a few at a time. For records
 * whose callers are not waiting on them to answer anyone: a delivery's next send
 * does not wait for the previous attempt's commit, so a few milliseconds here cost
 * no throughput and make each commit carry many attempts instead of a handful.
 */
export class Linger<T> {
	#held: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = []
	#timer: Timer | null = null

	constructor(
		private readonly committer: Pick<GroupCommitter<T, unknown>, 'write' | 'drain'>,
		private readonly opts: { /** hand over once this many are held */ count: number; /** …or this long after the first */ ms: number }
	) {}

	write(item: T): Promise<void> {
		return new Promise((resolve, reject) => {
			this.#held.push({ item, resolve, reject })
			if (this.#held.length >= this.opts.count) this.flush()
			else this.#timer ??= setTimeout(() => this.flush(), this.opts.ms)
		})
	}

	/** Hands everything held to the committer now. */
	flush(): void {
		if (this.#timer) clearTimeout(this.#timer)
		this.#timer = null
		for (const h of this.#held.splice(0)) this.committer.write(h.item).then(h.resolve, h.reject)
	}

	/** Flushes and waits until everything written so far has committed. */
	async drain(): Promise<void> {
		this.flush()
		await this.committer.drain()
	}
}
