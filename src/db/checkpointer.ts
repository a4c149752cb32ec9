import type { Database } from 'bun:sqlite'
import type { Logger } from '../lib/log'
import type { CheckpointerStart, CheckpointerStats, FromCheckpointer, ToCheckpointer } from './checkpoint-worker'
import { type WalStateReader, walStateReader } from './wal-state'

/*
 * Checkpoints the WAL on a thread of its own (checkpoint-worker.ts says how). The main
 * connection keeps SQLite's autocheckpoint, raised from 1,000 frames to `limitFrames`:
 * the commit that crosses it copies the small rest the thread has left and the WAL
 * restarts. That checkpoint fails at once (it never waits) while the thread is in a
 * round, and the main thread would go on writing; so a guard on the main thread also
 * reads the WAL's size every few milliseconds and, past `hardLimitFrames`, waits for the
 * thread's round to end and checkpoints itself: a bounded stall instead of a WAL that
 * grows as fast as the disk falls behind. If the thread dies, the autocheckpoint goes
 * back to 1,000 frames, as without it.
 *
 * The thread only ever runs PASSIVE checkpoints: a FULL/RESTART/TRUNCATE one takes the
 * write lock, and a main-thread transaction that reads before it writes then fails with
 * SQLITE_BUSY at once (SQLite calls no busy handler when a read transaction upgrades).
 */

export interface CheckpointerOptions {
	/** Frames waiting to be copied that start a round on the checkpointer's thread. */
	kickFrames: number
	/** The main connection's autocheckpoint while the thread runs: the WAL's largest size in frames, about. */
	limitFrames: number
	/** Past this the main thread waits for the thread and checkpoints itself (the guard). */
	hardLimitFrames: number
	/** How often the thread looks at the WAL while it grows. */
	pollMs: number
}

/** In frames of 4 KB pages: 2 MB starts a round, the WAL stays near 32 MB and never passes 64 MB. */
export const DEFAULT_CHECKPOINTER: CheckpointerOptions = { kickFrames: 512, limitFrames: 8000, hardLimitFrames: 16000, pollMs: 5 }

/**
 * DEFAULT_CHECKPOINTER for a database of `pageSize` pages: the same WAL sizes in bytes, so a
 * database of 8 KB pages (new files, src/db/open.ts) counts half the frames an older 4 KB one does.
 */
export function checkpointerFor(pageSize: number): CheckpointerOptions {
	const frames = (n: number) => Math.max(1, Math.round((n * 4096) / pageSize))
	const d = DEFAULT_CHECKPOINTER
	return { ...d, kickFrames: frames(d.kickFrames), limitFrames: frames(d.limitFrames), hardLimitFrames: frames(d.hardLimitFrames) }
}

/** SQLite's default autocheckpoint: what the main connection does without the thread. */
export const AUTOCHECKPOINT_FRAMES = 1000

const STOP_TIMEOUT_MS = 5000
/** The guard's polling interval while the WAL grows; it backs off to GUARD_IDLE_MS while it does not. */
const GUARD_MS = 10
const GUARD_IDLE_MS = 200
/** How long the guard waits for the thread's round before it gives up until its next look. */
const FORCE_WAIT_MS = 2000

// The compiled binary carries the worker as a second entry point of `bun build --compile`
// (package.json's build script), stored next to main's bundle under src/'s layout.
const WORKER_URL = import.meta.url.includes('/$bunfs/') ? new URL('./db/checkpoint-worker.js', import.meta.url) : new URL('./checkpoint-worker.ts', import.meta.url)

export class Checkpointer {
	#worker: Worker | null = null
	#state: 'idle' | 'starting' | 'running' | 'stopping' | 'done' = 'idle'
	#stopped: Promise<CheckpointerStats | null> | null = null
	#onStopped: (stats: CheckpointerStats | null) => void = () => {}
	#guard: Timer | null = null
	#wal: WalStateReader | null = null
	/** Checkpoints the guard made on the main thread past the hard limit. */
	forced = 0

	constructor(
		private readonly db: Database,
		private readonly synchronous: 'NORMAL' | 'FULL',
		private readonly log: Logger,
		private readonly opts: CheckpointerOptions = checkpointerFor(db.query<{ page_size: number }, []>('PRAGMA page_size').get()?.page_size ?? 4096),
		/** The thread's script (tests start one that crashes). */
		private readonly workerUrl: URL = WORKER_URL
	) {}

	/** True while the thread checkpoints (the main connection's autocheckpoint is at the hard limit). */
	get running(): boolean {
		return this.#state === 'running'
	}

	start(): void {
		if (this.#state !== 'idle') return
		// Only a WAL needs checkpoints (a file system without shared memory leaves SQLite in its rollback journal).
		if (this.db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode !== 'wal') return
		this.#state = 'starting'
		let worker: Worker
		try {
			worker = new Worker(this.workerUrl)
		} catch (err) {
			return this.#fail(err instanceof Error ? err.message : String(err))
		}
		this.#worker = worker
		worker.addEventListener('message', (e: MessageEvent<FromCheckpointer>) => this.#message(e.data))
		worker.addEventListener('error', (e) => this.#fail((e as ErrorEvent).message || 'error'))
		worker.addEventListener('close', () => this.#fail('the thread exited'))
		const start: CheckpointerStart = { type: 'start', path: this.db.filename, synchronous: this.synchronous, ...this.opts }
		worker.postMessage(start satisfies ToCheckpointer)
		// The thread must not keep a process alive that has nothing else to do.
		worker.unref()
	}

	#message(msg: FromCheckpointer): void {
		if (msg.type === 'ready' && this.#state === 'starting') {
			try {
				this.#wal = walStateReader(this.db.filename)
			} catch (err) {
				return this.#fail(err instanceof Error ? err.message : String(err))
			}
			this.db.run(`PRAGMA wal_autocheckpoint = ${this.opts.limitFrames}`)
			this.#state = 'running'
			this.#watch(GUARD_MS, 0)
			this.log.info('WAL checkpointer thread started', { limit_frames: this.opts.limitFrames, hard_limit_frames: this.opts.hardLimitFrames })
		} else if (msg.type === 'failed') this.#fail(msg.message)
		else if (msg.type === 'stopped') {
			this.log.info('WAL checkpointer thread stopped', { rounds: msg.stats.rounds, frames_copied: msg.stats.frames, wal_resets: msg.stats.resets, guard_checkpoints: this.forced })
			this.#finish(msg.stats)
		}
	}

	/** The thread is gone: the main connection checkpoints on its own again, as without it. */
	#fail(reason: string): void {
		if (this.#state === 'done') return
		if (this.#state === 'stopping') return this.#finish(null)
		this.#finish(null)
		this.log.error('WAL checkpointer thread died; checkpoints run on the main thread again', { reason })
	}

	#watch(delay: number, lastFrame: number): void {
		this.#guard = setTimeout(() => {
			const wal = this.#wal?.read()
			if (!wal || this.#state !== 'running') return
			if (wal.mxFrame >= this.opts.hardLimitFrames) this.#force()
			this.#watch(wal.mxFrame === lastFrame ? Math.min(delay * 2, GUARD_IDLE_MS) : GUARD_MS, wal.mxFrame)
		}, delay)
		this.#guard.unref()
	}

	/** Past the hard limit: wait for the thread's round (it holds the checkpoint lock), then copy the rest here. */
	#force(): void {
		const deadline = performance.now() + FORCE_WAIT_MS
		const checkpoint = this.db.query<{ busy: number }, []>('PRAGMA wal_checkpoint(PASSIVE)')
		try {
			while (checkpoint.get()?.busy !== 0) {
				if (performance.now() > deadline) return
				Bun.sleepSync(1)
			}
			this.forced++
		} catch (err) {
			// Inside a transaction left open across an await (a CLI copy): the next look tries again.
			this.log.debug('WAL guard checkpoint skipped', { error: String(err) })
		}
	}

	#finish(stats: CheckpointerStats | null): void {
		if (this.#state === 'done') return
		this.#state = 'done'
		if (this.#guard) clearTimeout(this.#guard)
		this.#wal?.close()
		this.#wal = null
		this.#worker?.terminate()
		this.#worker = null
		try {
			this.db.run(`PRAGMA wal_autocheckpoint = ${AUTOCHECKPOINT_FRAMES}`)
		} catch {
			// closed already: nothing left to checkpoint
		}
		this.#onStopped(stats)
	}

	/** Stops the thread (its connection closed) before the final checkpoint; resolves with its counters. */
	stop(): Promise<CheckpointerStats | null> {
		if (this.#stopped) return this.#stopped
		if (this.#state === 'idle' || this.#state === 'done') {
			this.#state = 'done'
			this.#stopped = Promise.resolve(null)
			return this.#stopped
		}
		this.#state = 'stopping'
		this.#stopped = new Promise((resolve) => {
			const timer = setTimeout(() => this.#finish(null), STOP_TIMEOUT_MS)
			this.#onStopped = (stats) => {
				clearTimeout(timer)
				resolve(stats)
			}
		})
		this.#worker?.postMessage({ type: 'stop' } satisfies ToCheckpointer)
		return this.#stopped
	}
}
