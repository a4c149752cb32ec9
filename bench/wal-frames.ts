/**
 * Where a group commit's bytes go: WAL frames per commit, by b-tree, for hookstream's
 * write path (the real migrations and events repo) and for the storage floor's table.
 * `bun bench/wal-frames.ts`. The events repo of a build needs its own schema (migration 17 moved
 * the source counters into event_totals, migration 18 keyed the list indexes by list_keys'
 * integers and the repo binds those keys): measure older schemas with an older checkout.
 * benchEvents' environment and source are plain rows; they get their keys as any do.
 * Every dirty page is one frame (a page: 8 KB on a database this build creates, PAGE_SIZE in
 * src/db/open.ts) appended to the WAL at commit, then copied into
 * the database at checkpoint, so frames per commit is what the commit costs.
 * Beside it, how full each b-tree's leaf pages are (SQLite's dbstat): a rowid table appended at
 * its right edge splits by starting a new page (the quick balance), an index b-tree appended in
 * key order splits by rebalancing its last leaves, which leaves them partly empty and rewrites
 * more pages per split.
 */
import type { Database } from 'bun:sqlite'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS } from '../src/db/migrate'
import { createEventsRepo } from '../src/events/repo'
import { tempDir } from './lib/tools'
import { benchEvents, EVENT_BODY, EVENT_HEADERS, framesByTree, openWalDb, PAGE } from './lib/wal'

// The highest version, not the count: numbers may have gaps while branches are merged.
const UP_TO = Number(process.env.MIGRATIONS_UP_TO ?? Math.max(...MIGRATIONS.map((m) => m.version)))
const BATCH = Number(process.env.BATCH ?? 22) // the mean batch bench:ingest sees at 32 connections
const COMMITS = 500

const open = (dir: string, file: string): Database => openWalDb(join(dir, file))

/** Frames appended while `commit` runs COMMITS times (after a warm-up), by b-tree, and CPU per event. */
async function measure(db: Database, path: string, commit: () => Promise<unknown>) {
	for (let i = 0; i < 300; i++) await commit()
	const start = statSync(`${path}-wal`).size
	const cpu = process.cpuUsage()
	for (let i = 0; i < COMMITS; i++) await commit()
	const used = process.cpuUsage(cpu)
	const { frames, byTree } = framesByTree(db, path, start)
	const fill = db
		.query<{ name: string; fill: number }, []>("SELECT name, SUM(pgsize - unused) * 1.0 / SUM(pgsize) AS fill FROM dbstat WHERE pagetype = 'leaf' GROUP BY name ORDER BY name")
		.all()
		.filter((r) => byTree.some(([name]) => name === r.name))
	return {
		leafFill: fill.map((r) => `${r.name} ${(r.fill * 100).toFixed(0)} %`).join(', '),
		frames: frames / COMMITS,
		bytesPerEvent: (frames * PAGE) / COMMITS / BATCH,
		cpuUsPerEvent: (used.user + used.system) / COMMITS / BATCH,
		byTree: byTree.map(([name, n]) => `${name} ${(n / COMMITS).toFixed(2)}`).join(', ')
	}
}

async function hookstream() {
	const dir = tempDir('hs-wal-')
	const db = open(dir, 'hookstream.db')
	for (const m of MIGRATIONS.filter((m) => m.version <= UP_TO)) db.run(m.sql)
	const repo = createEventsRepo(db)
	// A source without verification and no connections: bench:ingest's configuration (a).
	const event = benchEvents(db)
	const r = await measure(db, join(dir, 'hookstream.db'), () => repo.insertBatch(Array.from({ length: BATCH }, event)))
	db.close()
	rmSync(dir, { recursive: true, force: true })
	return r
}

async function floor() {
	const dir = tempDir('hs-wal-floor-')
	const db = open(dir, 'floor.db')
	db.run('CREATE TABLE events (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)')
	const insert = db.query('INSERT INTO events (received_at, headers, body) VALUES (?1, ?2, ?3)')
	const commit = db.transaction(() => {
		for (let i = 0; i < BATCH; i++) insert.run(Date.now(), EVENT_HEADERS, EVENT_BODY)
	})
	const r = await measure(db, join(dir, 'floor.db'), async () => commit.immediate())
	db.close()
	rmSync(dir, { recursive: true, force: true })
	return r
}

console.log(`\nWAL frames per group commit of ${BATCH} events with ${EVENT_BODY.byteLength} B bodies (${COMMITS} commits after a warm-up)\n`)
console.log('| writer | frames per commit | WAL bytes per event | CPU µs per event (in-process) | frames per commit by b-tree | leaf pages filled, by b-tree |')
console.log('|---|---|---|---|---|---|')
for (const [name, run] of [[`hookstream (migrations ≤ ${UP_TO})`, hookstream], ['storage floor', floor]] as const) {
	const r = await run()
	console.log(`| ${name} | ${r.frames.toFixed(1)} | ${r.bytesPerEvent.toFixed(0)} | ${r.cpuUsPerEvent.toFixed(2)} | ${r.byTree} | ${r.leafFill} |`)
}
