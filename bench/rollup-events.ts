/**
 * What the metrics rollup costs per stored event, in process: `bun bench/rollup-events.ts`.
 * Stores N events (N=100000 by default) through the real migrations and `insertBatch`
 * (bench:ingest's configuration (a): one source, 1 KB bodies, batches of 25), then folds
 * them all with `rollEvents` as the rollup job does and reports the CPU time per event.
 * Each run starts from a fresh database; the rows are read back from the OS page cache,
 * as in a server where they were committed seconds before.
 */
import { MemoryLeases } from '../src/delivery/memory-leases'
import { rmSync } from 'node:fs'
import { openDatabase } from '../src/db/open'
import { createEventsRepo } from '../src/events/repo'
import { idFloorAt } from '../src/lib/ids'
import { createMetricsRepo } from '../src/metrics/repo'
import { median, tempDir } from './lib/tools'
import { benchEvents } from './lib/wal'

const N = Number(process.env.N ?? 100_000)
const RUNS = Number(process.env.RUNS ?? 3)

async function run(): Promise<number> {
	const dir = tempDir('hs-bench-rollup-')
	const db = openDatabase({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
	const events = createEventsRepo(db)
	const event = benchEvents(db)
	for (let i = 0; i < N / 25; i++) await events.insertBatch(Array.from({ length: 25 }, event))
	const metrics = createMetricsRepo(db, new MemoryLeases())
	const ceiling = idFloorAt('evt', Date.now() + 1_000)
	const cpu = process.cpuUsage()
	let folded = 0
	for (let rows = await metrics.rollEvents(ceiling); rows !== null; rows = await metrics.rollEvents(ceiling)) folded += rows.reduce((n, r) => n + r.event_count, 0)
	const used = process.cpuUsage(cpu)
	db.close()
	rmSync(dir, { recursive: true, force: true })
	if (folded !== N) throw new Error(`folded ${folded} of ${N} events`)
	return (used.user + used.system) / N
}

const runs: number[] = []
for (let i = 0; i < RUNS; i++) runs.push(await run())
console.log(`rollEvents: ${median(runs).toFixed(3)} µs CPU per event (median of ${RUNS} runs of ${N} events: ${runs.map((r) => r.toFixed(3)).join(' / ')})`)
