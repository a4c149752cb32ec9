/**
 * Group commit: writes that arrive together share one transaction. Each caller's
 * promise settles only after the transaction holding its item has committed, so
 * an acknowledgement always means "durable". A batch flushes when it is full or
 * on the next turn of the event loop, whichever comes first.
 */
export class GroupCommitter<T> {
	#queue: { item: T; resolve: () => void; reject: (e: unknown) => void }[] = []
	#scheduled = false
	#flushing: Promise<void> = Promise.resolve()

	constructor(
		private readonly commit: (items: T[]) => Promise<void>,
		private readonly maxBatch = 512
	) {}

	write(item: T): Promise<void> {
		return new Promise((resolve, reject) => {
			this.#queue.push({ item, resolve, reject })
			if (this.#queue.length >= this.maxBatch) this.#flushSoon(true)
			else this.#flushSoon(false)
		})
	}

	#flushSoon(now: boolean): void {
		if (now) {
			void this.#flush()
			return
		}
		if (this.#scheduled) return
		this.#scheduled = true
		setImmediate(() => {
			this.#scheduled = false
			void this.#flush()
		})
	}

	async #flush(): Promise<void> {
		const batch = this.#queue
		if (batch.length === 0) return
		this.#queue = []
		// Batches commit one after another, in arrival order.
		const previous = this.#flushing
		let done!: () => void
		this.#flushing = new Promise((r) => (done = r))
		await previous
		try {
			await this.commit(batch.map((b) => b.item))
			if (process.env.HS_DEBUG_BATCH) console.error('batch', batch.length)
			for (const b of batch) b.resolve()
		} catch (err) {
			for (const b of batch) b.reject(err)
		} finally {
			done()
		}
	}

	/** Waits for everything queued so far to commit (graceful stop). */
	async drain(): Promise<void> {
		await this.#flush()
		await this.#flushing
	}
}
