import { Periodic, type TickClaimer } from '../cluster/ticks'
import type { Clock } from '../lib/clock'
import { idFloorAt } from '../lib/ids'
import type { Logger } from '../lib/log'
import { nextTurn } from '../lib/turn'
import type { AttemptRollup, MetricsRepo, VolumeRow } from './repo'

/**
 * Rows younger than this are left to the next pass. Ids are taken from the clock
 * before their transaction commits (an attempt's id just before it is recorded,
 * an event's before its group commit), so a row may land slightly behind a
 * larger id; the lag keeps the watermark from passing rows still in flight.
 */
export const ROLLUP_LAG_MS = 5_000
const BATCH = 2_000

export interface RollupListener {
	events(rows: VolumeRow[]): void
	attempts(rows: AttemptRollup): void
}

/**
 * Folds new events and delivery attempts into the hourly and daily buckets,
 * past a durable watermark: restart-safe (a batch and its watermark commit
 * together), exact (each row counted once), and free for ingest and delivery.
 */
export class RollupJob {
	readonly periodic: Periodic
	#running: Promise<void> | null = null
	readonly #listeners: RollupListener[] = []

	constructor(
		private readonly repo: MetricsRepo,
		private readonly clock: Clock,
		private readonly log: Logger,
		intervalMs = 2_000,
		/** Several instances: one folds each tick (the watermark lock keeps an overrunning pass exact too). */
		ticks: TickClaimer | null = null
	) {
		this.periodic = new Periodic('metrics.rollup', intervalMs, () => this.run(), ticks)
	}

	/** Called with every batch folded in (Prometheus counters, alert evaluation). */
	listen(l: RollupListener): void {
		this.#listeners.push(l)
	}

	start(): void {
		this.periodic.start()
	}

	/** One pass up to now − lag (concurrent callers share it). */
	run(): Promise<void> {
		this.#running ??= this.#run().finally(() => {
			this.#running = null
		})
		return this.#running
	}

	async #run(): Promise<void> {
		const horizon = this.clock.now() - ROLLUP_LAG_MS
		try {
			for (;;) {
				const rows = await this.repo.rollEvents(idFloorAt('evt', horizon))
				if (rows === null) break
				for (const l of this.#listeners) l.events(rows)
				await nextTurn() // let queued ingest writes go first
			}
			for (;;) {
				const rows = await this.repo.rollAttempts(idFloorAt('da', horizon), BATCH)
				if (rows === null) break
				for (const l of this.#listeners) l.attempts(rows)
				await nextTurn()
			}
		} catch (err) {
			this.log.error('metrics rollup failed', { error: err instanceof Error ? err.message : String(err) })
		}
	}

	async stop(): Promise<void> {
		this.periodic.stop()
		await this.#running
	}
}
