import { hostname } from 'node:os'
import { randomHex } from '../lib/crypto'
import type { Logger } from '../lib/log'
import type { ClusterRepo } from './repo'

/** Whether this instance runs a periodic job's current tick. */
export interface TickClaimer {
	claim(job: string, intervalMs: number): Promise<boolean>
}

/** Ticks kept per job after a prune (who ran what, recently), and how often a winner prunes. */
const KEEP_TICKS = 16
const PRUNE_EVERY = 64

/**
 * Once per tick cluster-wide: every instance's timer fires, each tries to insert
 * (job, floor(now / interval)), and only the one whose insert lands runs the job
 * (research/postgres.md §4.5 (a): idempotent tick rows, no leader to elect, and a
 * dead instance simply stops winning). Ticks follow the timers, which run on real
 * time, so they are numbered from `now` (Date.now), never from a test's fake clock.
 *
 * Claimed: events retention, issue auto-resolve, metrics rollup, alert evaluation,
 * the replay runner and ops housekeeping (src/context.ts, src/ops.ts). Not claimed,
 * because each instance holds its own share of the work in memory: the API-key
 * usage flush (this process's counters), test-session expiry (this process's cached
 * responses; the deletes are idempotent) and the live hub's heartbeats (its own
 * sockets). The delivery worker's expired-lease sweep is the worker's own business
 * (src/delivery/worker.ts).
 */
export class JobTicks implements TickClaimer {
	readonly #pruned = new Map<string, number>()

	constructor(
		private readonly repo: ClusterRepo,
		private readonly log: Logger,
		readonly owner: string = `${hostname()}/${process.pid}/${randomHex(4)}`,
		private readonly now: () => number = Date.now
	) {}

	/** True when this instance claimed the job's current tick (and should run it); false on a lost race or a database error. */
	async claim(job: string, intervalMs: number): Promise<boolean> {
		const now = this.now()
		const tick = Math.floor(now / intervalMs)
		try {
			if (!(await this.repo.claimTick(job, tick, this.owner, now))) return false
			// Pruning is one indexed DELETE, done by whichever instance wins now and then.
			if (tick - (this.#pruned.get(job) ?? 0) >= PRUNE_EVERY) {
				this.#pruned.set(job, tick)
				await this.repo.pruneTicks(job, tick - KEEP_TICKS)
			}
			return true
		} catch (err) {
			this.log.error('periodic job tick claim failed', { job, error: err instanceof Error ? err.message : String(err) })
			return false
		}
	}
}

/**
 * A job's timer: fires every `intervalMs` and runs the job when this instance
 * claims the tick (always, with no claimer: tests and one-off tools).
 */
export class Periodic {
	#timer: Timer | null = null

	constructor(
		readonly job: string,
		readonly intervalMs: number,
		private readonly run: () => Promise<unknown>,
		private readonly ticks: TickClaimer | null = null,
		/** Checked before claiming, so an idle job writes nothing (replay runs 10 ticks a second). */
		private readonly due: () => Promise<boolean> = async () => true
	) {}

	/** One firing: true when this instance ran the job. */
	async fire(): Promise<boolean> {
		if (!(await this.due())) return false
		if (this.ticks && !(await this.ticks.claim(this.job, this.intervalMs))) return false
		await this.run()
		return true
	}

	start(): void {
		// Jobs log their own failures, and a failed claim is logged by JobTicks: a firing never rejects unheard.
		this.#timer ??= setInterval(() => void this.fire().catch(() => {}), this.intervalMs)
		this.#timer.unref()
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer)
		this.#timer = null
	}
}
