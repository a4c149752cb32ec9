import { Database } from 'bun:sqlite'
import { closeSync, existsSync, fdatasyncSync, openSync } from 'node:fs'
import { type WalState, walStateReader } from './wal-state'

/*
 * The WAL checkpointer's thread (started by checkpointer.ts; a separate entry point of
 * `bun build --compile`). It owns a second connection to the database and copies WAL
 * frames into the database file while the main thread keeps writing, so the page
 * copies and their fsyncs leave the thread that ingests, claims and sends.
 *
 * A PASSIVE checkpoint cannot reset the WAL while a writer keeps appending: the reset
 * happens only when a write transaction begins with every frame backfilled, and the
 * main thread commits every millisecond or so under load. So this thread keeps the
 * not-yet-copied backlog small, and the main connection keeps SQLite's own
 * autocheckpoint, at `limitFrames`: the commit that crosses it copies the small rest
 * on the main thread, with no writer racing it, and the next commit starts the WAL
 * from its beginning. When writes pause, a round here catches up
 * fully and the reset happens without the main thread doing anything.
 */

/** Sent by checkpointer.ts to start the loop. */
export interface CheckpointerStart {
	type: 'start'
	path: string
	synchronous: 'NORMAL' | 'FULL'
	/** A round starts once this many frames wait to be copied. */
	kickFrames: number
	/** The main connection's autocheckpoint: at or past it the main thread's next commit checkpoints, so this thread stands aside. */
	limitFrames: number
	/** Polling interval while the WAL grows; it backs off to IDLE_POLL_MS while nothing is written. */
	pollMs: number
}

export type ToCheckpointer = CheckpointerStart | { type: 'stop' }

export interface CheckpointerStats {
	/** PASSIVE checkpoints run here. */
	rounds: number
	/** WAL resets seen (its frame count went down). */
	resets: number
	/** Frames copied into the database file here. */
	frames: number
}

export type FromCheckpointer = { type: 'ready' } | { type: 'stopped'; stats: CheckpointerStats } | { type: 'failed'; message: string }

const IDLE_POLL_MS = 250
/** With nothing written for this long, a round copies whatever is left so that the next writer restarts the WAL. */
const QUIET_MS = 1000

/** An fd for fsync only (fsync of any descriptor flushes the file's dirty pages). */
function syncer(path: string): { sync(): void; close(): void } {
	let fd: number | null = null
	return {
		sync() {
			if (fd === null && existsSync(path)) fd = openSync(path, 'r')
			if (fd !== null) fdatasyncSync(fd)
		},
		close() {
			if (fd !== null) closeSync(fd)
		}
	}
}

function run(opts: CheckpointerStart): { stop(): CheckpointerStats } {
	const db = new Database(opts.path, { strict: true })
	db.run('PRAGMA busy_timeout = 0')
	db.run(`PRAGMA synchronous = ${opts.synchronous}`)
	const checkpoint = db.query<{ busy: number; log: number; checkpointed: number }, []>('PRAGMA wal_checkpoint(PASSIVE)')
	const wal = walStateReader(opts.path)
	// A round holds the checkpoint lock, which the main connection's own checkpoint at the
	// limit needs: the slow parts are done outside it. The WAL is flushed before the round,
	// so SQLite's sync inside it has little left; the database after it, because SQLite
	// syncs the database only in a round that catches up, and the main connection's
	// closing checkpoint would otherwise inherit every earlier round's dirty pages.
	const walFile = syncer(`${opts.path}-wal`)
	const dbFile = syncer(opts.path)
	const stats: CheckpointerStats = { rounds: 0, resets: 0, frames: 0 }
	let lastFrame = 0
	let changedAt = Date.now()
	let delay = opts.pollMs
	let timer: Timer | null = null

	const round = (before: WalState) => {
		walFile.sync()
		const r = checkpoint.get()
		if (!r || r.busy !== 0) return
		stats.rounds++
		stats.frames += Math.max(0, r.checkpointed - before.nBackfill)
		dbFile.sync()
	}
	const tick = () => {
		timer = null
		const state = wal.read()
		const now = Date.now()
		if (state && state.mxFrame !== lastFrame) {
			if (state.mxFrame < lastFrame) stats.resets++
			lastFrame = state.mxFrame
			changedAt = now
			delay = opts.pollMs
		} else delay = Math.min(delay * 2, IDLE_POLL_MS)
		const backlog = state ? state.mxFrame - state.nBackfill : 0
		// Past the limit the main connection's next commit finishes the cycle, unless nothing is written any more.
		const quiet = now - changedAt >= QUIET_MS
		const due = (backlog >= opts.kickFrames && (state?.mxFrame ?? 0) < opts.limitFrames) || (backlog > 0 && quiet)
		if (state && due) {
			round(state)
			delay = 0 // look again at once: more may have arrived during the round
		}
		timer = setTimeout(tick, delay)
	}
	tick()
	return {
		stop() {
			if (timer) clearTimeout(timer)
			wal.close()
			walFile.close()
			dbFile.close()
			checkpoint.finalize()
			db.close()
			return stats
		}
	}
}

declare const self: Worker
let loop: { stop(): CheckpointerStats } | null = null
self.onmessage = (e: MessageEvent<ToCheckpointer>) => {
	const msg = e.data
	try {
		if (msg.type === 'start' && !loop) {
			loop = run(msg)
			postMessage({ type: 'ready' } satisfies FromCheckpointer)
		} else if (msg.type === 'stop') {
			const stats = loop?.stop() ?? { rounds: 0, resets: 0, frames: 0 }
			loop = null
			postMessage({ type: 'stopped', stats } satisfies FromCheckpointer)
		}
	} catch (err) {
		postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromCheckpointer)
	}
}
