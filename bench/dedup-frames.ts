/**
 * What payload-hash dedup costs a group commit when the payloads are unique (the usual case:
 * dedup is there for the sender's retries). Each new key goes into dedup_keys' primary key at a
 * random place, so every event of a commit dirties its own leaf page once the keys outgrow a
 * few pages. bench:ingest's (c) sends one body over and over (every event after the first is a
 * duplicate) and cannot see it. Commits of BATCH events through the real events repo, after
 * KEYS keys were written (a dedup window's worth: 300 s at 100 events/s is 30,000), in frames
 * per commit by b-tree and CPU µs per event, unique keys against no dedup at all.
 * On SQLite the keys are held in memory and logged (src/events/repo-dedup.ts) and a flush moves
 * them into dedup_keys every FLUSH_KEYS keys: the measured span is one flush's worth of commits
 * (COMMITS, FLUSH_KEYS / BATCH by default) and then that flush, so its pages and CPU are counted.
 *   KEYS=30000 bun bench/dedup-frames.ts          (PAGE=4096 for the page size of older databases)
 */
import type { Database } from 'bun:sqlite'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { migrate } from '../src/db/migrate'
import { createEventsRepo, type PendingEvent } from '../src/events/repo'
import { FLUSH_KEYS } from '../src/events/repo-dedup'
import { tempDir } from './lib/tools'
import { benchEvents, framesByTree, openWalDb, PAGE } from './lib/wal'

const BATCH = Number(process.env.BATCH ?? 22)
const KEYS = Number(process.env.KEYS ?? 30_000)
const COMMITS = Number(process.env.COMMITS ?? Math.ceil(FLUSH_KEYS / BATCH))
/** PAGE=4096: as on a database made before 8 KB pages. */
const PAGE_SIZE = Number(process.env.PAGE ?? PAGE)

async function measure(dedup: boolean) {
	const dir = tempDir('hs-bench-dedup-')
	const path = join(dir, 'hookstream.db')
	const db: Database = openWalDb(path, PAGE_SIZE)
	migrate(db)
	const repo = createEventsRepo(db)
	const plain = benchEvents(db)
	const event = (): PendingEvent => {
		const e = plain()
		if (!dedup) return e
		const keyHash = Bun.SHA256.hash(crypto.getRandomValues(new Uint8Array(16)), 'hex')
		return { ...e, row: { ...e.row, dedup_hash: keyHash }, dedup: { keyHash, windowMs: 300_000 } }
	}
	for (let i = 0; i < Math.ceil(KEYS / BATCH); i++) await repo.insertBatch(Array.from({ length: BATCH }, event))
	await repo.flushDedupKeys() // the window's keys in dedup_keys, none held
	db.run('PRAGMA wal_checkpoint(TRUNCATE)') // the preload's frames out of the way
	await repo.insertBatch(Array.from({ length: BATCH }, event)) // the WAL header: frames start after it
	const start = statSync(`${path}-wal`).size
	const cpu = process.cpuUsage()
	for (let i = 0; i < COMMITS; i++) await repo.insertBatch(Array.from({ length: BATCH }, event))
	await repo.flushDedupKeys() // what the measured commits left held
	const used = process.cpuUsage(cpu)
	const { frames, byTree } = framesByTree(db, path, start, PAGE_SIZE)
	db.close()
	rmSync(dir, { recursive: true, force: true })
	return { frames: frames / COMMITS, cpu: (used.user + used.system) / COMMITS / BATCH, byTree: byTree.slice(0, 6).map(([n, f]) => `${n} ${(f / COMMITS).toFixed(2)}`).join(', ') }
}

console.log(`\nGroup commits of ${BATCH} events after ${KEYS} earlier ones (${COMMITS} commits)\n`)
console.log('| events | frames per commit | CPU µs per event | frames per commit by b-tree |\n|---|---|---|---|')
for (const dedup of [false, true]) {
	const r = await measure(dedup)
	console.log(`| ${dedup ? 'payload_hash dedup, unique payloads' : 'no dedup'} | ${r.frames.toFixed(1)} | ${r.cpu.toFixed(2)} | ${r.byTree} |`)
}
