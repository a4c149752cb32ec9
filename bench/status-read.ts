/**
 * What reading an event's status costs since it is derived from its deliveries (migration 21)
 * instead of read from a stored copy (migration 15's event_delivery_status), on one database:
 * EVENTS events with one delivery each (9 in 10 delivered, 1 in 10 dead), the stored copy rebuilt
 * beside them, and the same reads run both ways: a status-filtered count (the list's total), a
 * page of the newest events with their status, and a page filtered by a status. In process,
 * SQLite, the events repo's own STATUS expression.
 *   bun bench/status-read.ts            EVENTS=1000000 bun bench/status-read.ts
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { migrate } from '../src/db/migrate'
import { createEventsRepo } from '../src/events/repo'
import { STATUS } from '../src/events/repo-sql'
import { tempDir } from './lib/tools'
import { benchTenant, openWithPragmas } from './lib/wal'

const EVENTS = Number(process.env.EVENTS ?? 100_000)
const dir = tempDir('hs-bench-status-')
const db = openWithPragmas(join(dir, 'hookstream.db'))
migrate(db)
const { event } = benchTenant(db, true)
const events = createEventsRepo(db)
for (let done = 0; done < EVENTS; done += 500) await events.insertBatch(Array.from({ length: Math.min(500, EVENTS - done) }, event))
db.run("UPDATE deliveries SET state = CASE WHEN rowid % 10 = 0 THEN 'dead' ELSE 'delivered' END")
// The stored copy as migration 15 kept it, for the same events.
db.run('CREATE TABLE stored_status (event_id TEXT PRIMARY KEY, status TEXT NOT NULL) WITHOUT ROWID')
db.run(`INSERT INTO stored_status SELECT e.id, ${STATUS} FROM events e`)
db.run('PRAGMA wal_checkpoint(TRUNCATE)')

const STORED = 'COALESCE(ds.status, e.status)'
const JOIN = 'LEFT JOIN stored_status ds ON ds.event_id = e.id'
const reads: { name: string; stored: string; derived: string; reps: number }[] = [
	{
		name: `count of one status (${EVENTS.toLocaleString('en')} events)`,
		stored: `SELECT COUNT(*) AS n FROM events e ${JOIN} WHERE ${STORED} = 'failed'`,
		derived: `SELECT COUNT(*) AS n FROM events e WHERE ${STATUS} = 'failed'`,
		reps: 5
	},
	{
		name: 'newest 50 with their status',
		stored: `SELECT e.id, ${STORED} AS status FROM events e ${JOIN} ORDER BY e.rowid DESC LIMIT 50`,
		derived: `SELECT e.id, ${STATUS} AS status FROM events e ORDER BY e.rowid DESC LIMIT 50`,
		reps: 200
	},
	{
		name: 'newest 50 of one status',
		stored: `SELECT e.id FROM events e ${JOIN} WHERE ${STORED} = 'failed' ORDER BY e.rowid DESC LIMIT 50`,
		derived: `SELECT e.id FROM events e WHERE ${STATUS} = 'failed' ORDER BY e.rowid DESC LIMIT 50`,
		reps: 200
	}
]

/** Milliseconds per run of `sql` (after one untimed run), and its answer. */
function timed(sql: string, reps: number): { ms: number; answer: string } {
	const q = db.query(sql)
	q.all()
	const started = performance.now()
	let rows: unknown[] = []
	for (let i = 0; i < reps; i++) rows = q.all()
	return { ms: (performance.now() - started) / reps, answer: JSON.stringify(rows) }
}

console.log(`\nStatus reads, stored copy against derived from the deliveries (SQLite, in process)\n`)
console.log('| read | stored: ms | derived: ms | derived / stored |')
console.log('|---|---|---|---|')
for (const r of reads) {
	const stored = timed(r.stored, r.reps)
	const derived = timed(r.derived, r.reps)
	if (stored.answer !== derived.answer) throw new Error(`${r.name}: the two reads disagree`)
	console.log(`| ${r.name} | ${stored.ms.toFixed(3)} | ${derived.ms.toFixed(3)} | ${(derived.ms / stored.ms).toFixed(2)} |`)
}
db.close()
rmSync(dir, { recursive: true, force: true })
