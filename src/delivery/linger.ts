import type { GroupCommitter } from '../db/write'

/**
 * Holds writes for a moment before handing them to a group committer, so that
 * they share one transaction even when they arrive a few at a time. For records
 * whose callers are not waiting on them to answer anyone: a delivery's next send
 * does not wait for the previous attempt's commit, so a few milliseconds here cost
 * no throughput and make each commit carry many attempts instead of a handful.
 * The writes held together share one promise, as the committer's batches do.
 */
export class Linger<T> {
	#held: T[] = []
	#done: PromiseWithResolvers<void> | null = null
	#timer: Timer | null = null

	constructor(
		private readonly committer: Pick<GroupCommitter<T, unknown>, 'writeAll' | 'drain'>,
		/** `count` at most the committer's maximum batch: what is held commits in one transaction. */
		private readonly opts: { /** hand over once this many are held */ count: number; /** …or this long after the first */ ms: number }
	) {}

	/** Settles once `item` has committed (or rejects with the commit's error). */
	write(item: T): Promise<void> {
		const done = (this.#done ??= Promise.withResolvers<void>())
		this.#held.push(item)
		if (this.#held.length >= this.opts.count) this.flush()
		else this.#timer ??= setTimeout(() => this.flush(), this.opts.ms)
		return done.promise
	}

	/** Hands everything held to the committer now. */
	flush(): void {
		if (this.#timer) clearTimeout(this.#timer)
		this.#timer = null
		const done = this.#done
		if (!done) return
		const held = this.#held
		this.#held = []
		this.#done = null
		this.committer.writeAll(held).then(done.resolve, done.reject)
	}

	/** Flushes and waits until everything written so far has committed. */
	async drain(): Promise<void> {
		this.flush()
		await this.committer.drain()
	}
}
