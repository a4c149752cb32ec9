/**
 * Group commit: writes that arrive together share one transaction. Each caller's
 * promise settles only after the transaction holding its item has committed, so
 * an acknowledgement always means "durable". One batch is in flight at a time;
 * whatever arrives meanwhile forms the next batch, so batches grow with load.
 * (PostgreSQL too: bench:postgres on a durable cluster measured three batches in
 * flight making smaller batches and more commits, and ingest fell by a third.)
 *
 * The writes of one batch share one promise: a promise per write was a promise and
 * two closures per ingested event, settled one by one after every commit.
 */
export class GroupCommitter<T, R = void> {
	/** Batches not started yet, oldest first; only the last one still takes writes. */
	#batches: Batch<T>[] = []
	#scheduled = false
	#inFlight: Promise<void> | null = null

	constructor(
		private readonly commit: (items: T[]) => Promise<R>,
		private readonly maxBatch = 1024,
		/** Called after each successful commit, e.g. to wake the delivery worker. */
		private readonly afterCommit: (result: R) => void = () => {}
	) {}

	/** Settles once the transaction holding `item` has committed (or rejects with its error). */
	write(item: T): Promise<void> {
		const batch = this.#open(1)
		batch.items.push(item)
		this.#schedule()
		return batch.done.promise
	}

	/**
	 * Writes every item; settles once all of them have committed. Up to `maxBatch` items go into
	 * one transaction together (all or none); more are split, and then the promise rejects if any
	 * part failed, once every part has settled (the other parts may have committed).
	 */
	writeAll(items: readonly T[]): Promise<void> {
		const parts: Promise<void>[] = []
		for (let at = 0; at < items.length; at += this.maxBatch) {
			const chunk = items.slice(at, at + this.maxBatch)
			const batch = this.#open(chunk.length)
			batch.items.push(...chunk)
			parts.push(batch.done.promise)
		}
		this.#schedule()
		if (parts.length === 1) return parts[0] as Promise<void>
		return Promise.allSettled(parts).then((settled) => {
			const failed = settled.find((r) => r.status === 'rejected')
			if (failed) throw failed.reason
		})
	}

	/** The batch taking the next `count` writes: the newest one not started, unless they would not fit. */
	#open(count: number): Batch<T> {
		const last = this.#batches.at(-1)
		if (last && last.items.length + count <= this.maxBatch) return last
		const batch: Batch<T> = { items: [], done: Promise.withResolvers<void>() }
		this.#batches.push(batch)
		return batch
	}

	/** Flush on the next turn of the event loop, so requests arriving together share a batch. */
	#schedule(): void {
		if (this.#scheduled || this.#inFlight) return
		this.#scheduled = true
		setImmediate(() => {
			this.#scheduled = false
			this.#start()
		})
	}

	#start(): Promise<void> {
		this.#inFlight ??= this.#run().finally(() => {
			this.#inFlight = null
			// A write that arrived after the loop's last look at the queue, but before this
			// callback, saw a batch in flight and scheduled nothing: pick it up now.
			if (this.#batches.length > 0) this.#schedule()
		})
		return this.#inFlight
	}

	async #run(): Promise<void> {
		for (let batch = this.#batches.shift(); batch; batch = this.#batches.shift()) {
			try {
				const result = await this.commit(batch.items)
				batch.done.resolve()
				this.afterCommit(result)
			} catch (err) {
				batch.done.reject(err)
			}
		}
	}

	/** Waits for everything queued so far to commit (graceful stop). */
	async drain(): Promise<void> {
		while (this.#batches.length > 0 || this.#inFlight) await this.#start()
	}
}

interface Batch<T> {
	items: T[]
	done: PromiseWithResolvers<void>
}
