import type { Database } from 'bun:sqlite'
import { afterEach, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { openDatabase } from '../../src/db/open'
import { createEventsRepo, type PendingEvent } from '../../src/events/repo'
import { pending, T0 } from '../conformance/events-fixtures'
import { tempDir } from '../helpers'
import { until } from '../support/poll'

/**
 * SQLite's dedup window (src/events/repo-dedup.ts): keys held in memory and logged to dedup_log,
 * moved into dedup_keys by flushes. The decisions must be the same whichever of the three
 * holds a key: this batch, memory (and the log, after a restart), or dedup_keys.
 */

const WINDOW = 60_000
const dirs: string[] = []
const dbs: Database[] = []

function openDb(dir = tempDir('hookstream-dedup-')): { db: Database; dir: string } {
	dirs.push(dir)
	const db = openDatabase({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
	dbs.push(db)
	return { db, dir }
}

function seed(db: Database, sources = ['src_a', 'src_b']): void {
	db.run("INSERT INTO organizations (id, name, created_at) VALUES ('org_conformance', 'o', 0)")
	db.run("INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ('env_conformance', 'org_conformance', 'e', 'e', 0)")
	for (const s of sources) db.query("INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES (?1, 'org_conformance', 'env_conformance', ?1, ?1, 0, 0)").run(s)
}

const keyed = (key: string, at: number, source = 'src_a'): PendingEvent => pending({ at, source, dedup: { key, windowMs: WINDOW } })
const statuses = (batch: PendingEvent[]) => batch.map((p) => p.row.dedup_status)
const keysIn = (db: Database) => db.query<{ source_id: string; key_hash: string; event_id: string | undefined; expires_at: number }, []>('SELECT source_id, key_hash, event_id, expires_at FROM dedup_keys ORDER BY source_id, key_hash').all()
const logged = (db: Database) => db.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM dedup_log').get()?.n

afterEach(() => {
	for (const db of dbs.splice(0)) db.close()
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('dedup window on SQLite', () => {
	it('logs new keys instead of writing dedup_keys, and decides twins the same before and after a flush', async () => {
		const { db } = openDb()
		seed(db)
		const repo = createEventsRepo(db)
		const first = [keyed('k1', T0), keyed('k2', T0 + 1), keyed('k1', T0 + 2), keyed('k1', T0 + 3, 'src_b')]
		await repo.insertBatch(first)
		expect(statuses(first)).toEqual(['unique', 'unique', 'duplicate', 'unique'])
		expect(keysIn(db)).toEqual([])
		expect(logged(db)).toBe(3)

		const held = [keyed('k1', T0 + 10), keyed('k2', T0 + 10, 'src_b')]
		await repo.insertBatch(held)
		expect(statuses(held)).toEqual(['duplicate', 'unique'])

		await repo.flushDedupKeys()
		expect(logged(db)).toBe(0)
		expect(keysIn(db)).toEqual([
			{ source_id: 'src_a', key_hash: 'k1', event_id: first[0]?.row.id, expires_at: T0 + WINDOW },
			{ source_id: 'src_a', key_hash: 'k2', event_id: first[1]?.row.id, expires_at: T0 + 1 + WINDOW },
			{ source_id: 'src_b', key_hash: 'k1', event_id: first[3]?.row.id, expires_at: T0 + 3 + WINDOW },
			{ source_id: 'src_b', key_hash: 'k2', event_id: held[1]?.row.id, expires_at: T0 + 10 + WINDOW }
		])
		// Now from dedup_keys: still duplicates inside the window, a new window once it has passed.
		const later = [keyed('k1', T0 + 20), keyed('k2', T0 + 1 + WINDOW)]
		await repo.insertBatch(later)
		expect(statuses(later)).toEqual(['duplicate', 'unique'])
		await repo.flushDedupKeys()
		expect(keysIn(db).find((k) => k.source_id === 'src_a' && k.key_hash === 'k2')).toEqual({ source_id: 'src_a', key_hash: 'k2', event_id: later[1]?.row.id, expires_at: T0 + 1 + 2 * WINDOW })
	})

	it('keeps the window across a restart: the log is read back, flushed keys are probed', async () => {
		// Live by the wall clock: the next process reads dedup_keys' rows into its filter at start.
		const T = Date.now()
		const { db, dir } = openDb()
		seed(db)
		const first = createEventsRepo(db)
		await first.insertBatch([keyed('k1', T), keyed('k2', T + 1)])
		await first.flushDedupKeys() // k1 and k2 in dedup_keys, which the next process's filter never saw
		await first.insertBatch([keyed('k3', T + 2), keyed('k4', T + 3)]) // k3 and k4 only in the log
		db.close()
		dbs.splice(dbs.indexOf(db), 1)

		const reopened = openDb(dir).db
		const repo = createEventsRepo(reopened)
		const after = [keyed('k1', T + 5), keyed('k2', T + 1 + WINDOW), keyed('k3', T + 6), keyed('k4', T + 3 + WINDOW), keyed('k5', T + 7)]
		await repo.insertBatch(after)
		expect(statuses(after)).toEqual(['duplicate', 'unique', 'duplicate', 'unique', 'unique'])
		// Once the rows of the earlier process are read into the filter, they still decide without a probe of their own.
		await repo.flushDedupKeys()
		const later = [keyed('k1', T + 8), keyed('k6', T + 8)]
		await repo.insertBatch(later)
		expect(statuses(later)).toEqual(['duplicate', 'unique'])
	})

	it('a key logged while a flush runs survives a restart, also once an earlier flush emptied the log (rowids start again)', async () => {
		const { db, dir } = openDb()
		seed(db)
		const repo = createEventsRepo(db)
		await repo.insertBatch([keyed('k1', T0), keyed('k2', T0)])
		await repo.flushDedupKeys()
		expect(logged(db)).toBe(0)
		await repo.insertBatch([keyed('k3', T0 + 1)])
		// The flush takes what is held when called; this batch commits before its first step.
		const flushing = repo.flushDedupKeys()
		await repo.insertBatch([keyed('k4', T0 + 2)])
		await flushing
		expect(logged(db)).toBe(1)
		db.close()
		dbs.splice(dbs.indexOf(db), 1)
		const twins = Array.from(['k1', 'k3', 'k4'], (k) => keyed(k, T0 + 3))
		await createEventsRepo(openDb(dir).db).insertBatch(twins)
		expect(statuses(twins)).toEqual(['duplicate', 'duplicate', 'duplicate'])
	})

	it('log rows a crash left after their flush (before the trim) are read back and flushed again harmlessly', async () => {
		const { db, dir } = openDb()
		seed(db)
		const first = keyed('k1', T0)
		await createEventsRepo(db).insertBatch([first])
		const row = db.query('SELECT source_id, key_hash, event_id, expires_at FROM dedup_log').get() as Record<string, string | number>
		await createEventsRepo(db).flushDedupKeys() // a second repo on the handle reads the log back and flushes it
		db.query('INSERT INTO dedup_log (source_id, key_hash, event_id, expires_at) VALUES (?1, ?2, ?3, ?4)').run(row.source_id as string, row.key_hash as string, row.event_id as string, row.expires_at as number)
		db.close()
		dbs.splice(dbs.indexOf(db), 1)
		const reopened = openDb(dir).db
		const repo = createEventsRepo(reopened)
		const twin = [keyed('k1', T0 + 1)]
		await repo.insertBatch(twin)
		expect(statuses(twin)).toEqual(['duplicate'])
		await repo.flushDedupKeys()
		expect(logged(reopened)).toBe(0)
		expect(keysIn(reopened)).toEqual([{ source_id: 'src_a', key_hash: 'k1', event_id: first.row.id, expires_at: T0 + WINDOW }])
	})

	it('a flush that fails keeps every key, is reported by the next retention sweep, and a later flush moves them', async () => {
		const { db } = openDb()
		seed(db)
		const repo = createEventsRepo(db, { flushKeys: 4 })
		db.run("CREATE TRIGGER full_disk BEFORE INSERT ON dedup_keys BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
		await repo.insertBatch(['k1', 'k2', 'k3', 'k4'].map((k, i) => keyed(k, T0 + i)))
		const reported = await until(() => repo.purgeDedupKeys(T0, 10).then(() => null, (err: unknown) => err), { what: 'the flush failure reported', everyMs: 5 })
		expect(String(reported)).toContain('database or disk is full')
		expect(logged(db)).toBe(4)
		const twins = [keyed('k2', T0 + 10)]
		await repo.insertBatch(twins)
		expect(statuses(twins)).toEqual(['duplicate'])
		db.run('DROP TRIGGER full_disk')
		await repo.flushDedupKeys()
		expect(keysIn(db).map((k) => k.key_hash)).toEqual(['k1', 'k2', 'k3', 'k4'])
		expect(logged(db)).toBe(0)
	})

	it('a batch that rolls back holds none of its keys: the sender\'s retry is not a duplicate', async () => {
		const { db } = openDb()
		seed(db)
		const repo = createEventsRepo(db)
		const stored = keyed('k0', T0)
		await repo.insertBatch([stored])
		// The second event reuses the first's id: the insert fails and the whole batch rolls back.
		const clash = keyed('k9', T0 + 2)
		clash.row.id = stored.row.id
		await expect(repo.insertBatch([keyed('k1', T0 + 1), clash])).rejects.toThrow(/UNIQUE/)
		expect(logged(db)).toBe(1)
		const retry = [keyed('k1', T0 + 3), keyed('k9', T0 + 4)]
		await repo.insertBatch(retry)
		expect(statuses(retry)).toEqual(['unique', 'unique'])
	})

	it('flushes on its own once enough keys are held, leaving out expired keys and deleted sources', async () => {
		const { db } = openDb()
		seed(db, ['src_a', 'src_b', 'src_gone'])
		const repo = createEventsRepo(db, { flushKeys: 8 })
		await repo.insertBatch([keyed('old', T0), keyed('g1', T0 + WINDOW, 'src_gone')])
		db.run("DELETE FROM sources WHERE id = 'src_gone'")
		const batch = Array.from({ length: 6 }, (_, i) => keyed(`n${i}`, T0 + WINDOW + i))
		await repo.insertBatch(batch)
		// The flush runs between ingest's commits: wait for it, not for a fixed time.
		await until(() => logged(db) === 0, { what: 'the automatic flush', everyMs: 5 })
		expect(logged(db)).toBe(0)
		expect(keysIn(db).map((k) => `${k.source_id}/${k.key_hash}`)).toEqual(batch.map((_, i) => `src_a/n${i}`))
		const again = [keyed('n3', T0 + WINDOW + 100), keyed('old', T0 + WINDOW + 100)]
		await repo.insertBatch(again)
		expect(statuses(again)).toEqual(['duplicate', 'unique'])
	})

	it('a key taken again while a flush runs stays held, and the log keeps its row', async () => {
		const { db } = openDb()
		seed(db)
		const repo = createEventsRepo(db)
		await repo.insertBatch([keyed('k1', T0), keyed('k2', T0)])
		// The flush reads what is held when it starts; this batch commits before its first chunk.
		const flushing = repo.flushDedupKeys()
		const retaken = keyed('k1', T0 + WINDOW)
		await repo.insertBatch([retaken])
		await flushing
		expect(keysIn(db).map((k) => [k.key_hash, k.event_id])).toEqual([['k2', expect.any(String)]])
		expect(logged(db)).toBe(1)
		const twin = [keyed('k1', T0 + WINDOW + 1)]
		await repo.insertBatch(twin)
		expect(statuses(twin)).toEqual(['duplicate'])
		await repo.flushDedupKeys()
		expect(keysIn(db).find((k) => k.key_hash === 'k1')?.event_id).toBe(retaken.row.id)
	})

	it('a flush of many steps moves every key it started with and trims the whole log, while batches commit between its steps', async () => {
		const { db } = openDb()
		seed(db)
		const repo = createEventsRepo(db)
		const before = Array.from({ length: 20_000 }, (_, i) => keyed(`a${i}`, T0 + i))
		for (let i = 0; i < before.length; i += 500) await repo.insertBatch(before.slice(i, i + 500))
		const flushing = repo.flushDedupKeys()
		const during: PendingEvent[] = []
		let done = false
		// Settled either way: a failing flush ends the loop and fails at the await below.
		void flushing.then(() => (done = true), () => (done = true))
		for (let i = 0; !done; i++) {
			const batch = [keyed(`b${i}`, T0 + 30_000 + i), keyed(`a${i}`, T0 + 30_000 + i)]
			await repo.insertBatch(batch)
			expect(statuses(batch)).toEqual(['unique', 'duplicate'])
			during.push(batch[0] as PendingEvent)
			await new Promise((resolve) => setImmediate(resolve))
		}
		await flushing
		expect(during.length).toBeGreaterThan(10) // it did run in steps
		expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM dedup_keys WHERE key_hash LIKE 'a%'").get()?.n).toBe(20_000)
		expect(logged(db)).toBe(during.length) // the keys taken during the flush, still held and logged
		const twins = [...before.slice(0, 3), ...during.slice(0, 3)].map((p) => keyed(p.dedup?.keyHash as string, T0 + 40_000))
		await repo.insertBatch(twins)
		expect(statuses(twins)).toEqual(Array(6).fill('duplicate'))
	})

	it('the retention sweep flushes keys held too long, and the expired ones are only trimmed from the log', async () => {
		const { db } = openDb()
		seed(db)
		const repo = createEventsRepo(db)
		await repo.insertBatch([keyed('k1', T0)])
		expect(await repo.purgeDedupKeys(T0 + 1000, 10)).toBe(0)
		expect(logged(db)).toBe(1) // not held long enough yet
		expect(await repo.purgeDedupKeys(T0 + 600_000, 10)).toBe(0)
		expect(logged(db)).toBe(0)
		expect(keysIn(db)).toEqual([]) // expired at the sweep's time: nothing to move
		const fresh = [keyed('k1', T0 + 600_001)]
		await repo.insertBatch(fresh)
		expect(statuses(fresh)).toEqual(['unique'])
	})
})
