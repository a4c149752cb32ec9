/**
 * Where the WAL checkpoint runs, and what it costs the writing thread: `bun bench/wal-checkpoint.ts`.
 * The real migrations and events repo commit batches of BATCH events back to back (one
 * event-loop turn between commits) for SECONDS, alternately with SQLite's autocheckpoint
 * on the writing thread (1,000 frames, as before) and with the checkpointer thread
 * (src/db/checkpointer.ts), ROUNDS times. Reported per mode: events/s, the writing
 * thread's CPU per event (/proc/self/task/<pid>), commit latency p50/p99/max, commits
 * over 10 ms, the largest WAL file seen, and WAL resets (the WAL header's checkpoint
 * sequence number). PACE=1000 BATCH=1 commits one event per millisecond instead. MODES=off adds autocheckpoint 0 without the thread: the WAL grows; thread:<kick>:<limit>:<hard> tries
 * other frame counts than DEFAULT_CHECKPOINTER's.
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { checkpointerFor } from '../src/db/checkpointer'
import { PAGE_SIZE } from '../src/db/open'
import { silentLogger } from '../src/lib/log'
import { openSqliteStore, sqliteOf } from '../src/store'
import { tempDir } from './lib/tools'
import { benchEvents, mainThreadSeconds, walSequence } from './lib/wal'

const SECONDS = Number(process.env.SECONDS ?? 5)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const BATCH = Number(process.env.BATCH ?? 22)
const MODES = (process.env.MODES ?? 'main,thread').split(',')
/** Commits per second (PACE=1000 with BATCH=1: the latency benchmark's 1,000 events/s); 0 = back to back. */
const PACE = Number(process.env.PACE ?? 0)

async function measure(mode: string) {
	const dir = tempDir('hs-bench-walckpt-')
	const store = openSqliteStore({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
	const db = sqliteOf(store)
	const event = benchEvents(db)
	// thread:<kick>:<limit>:<hard> overrides the defaults
	const [, kick, limit, hard] = mode.split(':').map(Number)
	const opts = { ...checkpointerFor(PAGE_SIZE), ...(kick ? { kickFrames: kick } : {}), ...(limit ? { limitFrames: limit } : {}), ...(hard ? { hardLimitFrames: hard } : {}) }
	const checkpointer = mode.startsWith('thread') ? store.checkpointInBackground(silentLogger, opts) : null
	if (mode === 'off') db.run('PRAGMA wal_autocheckpoint = 0')
	for (let i = 0; i < 200 && !(checkpointer?.running ?? true); i++) await Bun.sleep(5)
	const path = join(dir, 'hookstream.db')
	await store.events.insertBatch(Array.from({ length: BATCH }, event))
	const seq0 = walSequence(path)
	const lat: number[] = []
	let walMax = 0
	const cpu0 = mainThreadSeconds(process.pid)
	const t0 = performance.now()
	while (performance.now() - t0 < SECONDS * 1000) {
		const batch = Array.from({ length: BATCH }, event)
		const s = performance.now()
		await store.events.insertBatch(batch)
		lat.push(performance.now() - s)
		if (lat.length % 50 === 0) walMax = Math.max(walMax, statSync(`${path}-wal`).size)
		const ahead = PACE > 0 ? t0 + (lat.length * 1000) / PACE - performance.now() : 0
		await (ahead > 0 ? Bun.sleep(ahead) : new Promise((r) => setImmediate(r)))
	}
	const seconds = (performance.now() - t0) / 1000
	const cpu = mainThreadSeconds(process.pid) - cpu0
	const resets = walSequence(path) - seq0
	walMax = Math.max(walMax, statSync(`${path}-wal`).size)
	const stats = await checkpointer?.stop()
	await store.close()
	rmSync(dir, { recursive: true, force: true })
	lat.sort((a, b) => a - b)
	const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0
	const events = lat.length * BATCH
	return {
		mode, eventsPerS: Math.round(events / seconds), cpuUsPerEvent: +((cpu * 1e6) / events).toFixed(2),
		p50: +q(0.5).toFixed(2), p99: +q(0.99).toFixed(2), max: +(lat.at(-1) ?? 0).toFixed(1), over10ms: lat.filter((l) => l > 10).length,
		walMaxMiB: +(walMax / 1048576).toFixed(1), resets, threadRounds: stats?.rounds ?? null, forced: checkpointer?.forced ?? null
	}
}

const results: Awaited<ReturnType<typeof measure>>[] = []
for (let r = 0; r < ROUNDS; r++) {
	for (const mode of r % 2 ? [...MODES].reverse() : MODES) {
		const row = await measure(mode)
		results.push(row)
		console.error(JSON.stringify(row))
	}
}
console.table(results)
