import { Periodic, type TickClaimer } from '../cluster/ticks'
import type { Clock } from '../lib/clock'
import { idFloorAt } from '../lib/ids'
import type { Logger } from '../lib/log'
import { nextTurn } from '../lib/turn'
import type { EventsRepo } from './repo'

const DAY_MS = 86_400_000

export interface RetentionOptions {
	retentionDays: number
	/** Rows per transaction: small, so a purge never holds the write lock long enough to stall ingest. */
	batchSize?: number
	intervalMs?: number
	/** Several instances: one purges each tick (the others would only contend for the same rows). */
	ticks?: TickClaimer | null
}

/**
 * Deletes events past retention and dedup keys past their window, in small
 * batches with a yield between them so queued ingest writes go first.
 */
export class RetentionSweeper {
	readonly periodic: Periodic
	#running: Promise<void> | null = null

	constructor(
		private readonly repo: EventsRepo,
		private readonly clock: Clock,
		private readonly log: Logger,
		private readonly opts: RetentionOptions
	) {
		this.periodic = new Periodic('events.retention', opts.intervalMs ?? 60_000, () => this.sweep(), opts.ticks)
	}

	start(): void {
		this.periodic.start()
	}

	/** One full pass (concurrent callers share it). */
	sweep(): Promise<void> {
		this.#running ??= this.#sweep().finally(() => {
			this.#running = null
		})
		return this.#running
	}

	async #sweep(): Promise<void> {
		const batch = this.opts.batchSize ?? 500
		const cutoff = idFloorAt('evt', this.clock.now() - this.opts.retentionDays * DAY_MS)
		let events = 0
		let keys = 0
		try {
			for (let n = batch; n === batch; events += n) {
				n = await this.repo.purgeBefore(cutoff, batch)
				await nextTurn()
			}
			for (let n = batch; n === batch; keys += n) {
				n = await this.repo.purgeDedupKeys(this.clock.now(), batch)
				await nextTurn()
			}
		} catch (err) {
			this.log.error('retention sweep failed', { error: err instanceof Error ? err.message : String(err) })
		}
		if (events || keys) this.log.info('retention sweep', { events_deleted: events, dedup_keys_deleted: keys })
	}

	async stop(): Promise<void> {
		this.periodic.stop()
		await this.#running
	}
}
