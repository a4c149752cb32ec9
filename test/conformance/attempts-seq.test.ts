import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { createAttemptsRepo } from '../../src/attempts/repo'
import { ATTEMPT_SEQS } from '../../src/attempts/seq-sql'
import { MIGRATIONS, migrate } from '../../src/db/migrate'
import { MemoryLeases } from '../../src/delivery/memory-leases'
import { createDeliveryRepo } from '../../src/delivery/repo'
import { idFloorAt, newId } from '../../src/lib/ids'
import type { Seek } from '../../src/lib/pagination'
import { createMetricsRepo } from '../../src/metrics/repo'
import { sqliteSchemaBefore } from '../support/schema-before'
import { outcome } from './delivery-fixtures'
import { ENV, ORG, T0 } from './events-fixtures'

/**
 * Migration 24 (SQLite only) keys delivery attempts by the seq their id spells, with no index on
 * the id. Existing rows keep every id and column, are found by id, list in id order and are
 * rolled into the metrics once, also where they had committed out of id order, two ids share
 * their leading 64 bits, or an id spells no seq. The delivery repo then mints each attempt's id
 * as it records it, above the newest, at the attempt's time.
 */

const DST = 'dst_a'
const COLUMNS = 'id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, status, is_dlq, duration_ms, created_at'

function databaseBefore24(): Database {
	const db = new Database(':memory:', { strict: true })
	sqliteSchemaBefore(db, 24)
	return db
}

/** Legacy attempts as migration 23's schema held them, in a commit (rowid) order that is not id order; returns their ids. */
function storeLegacy(db: Database): string[] {
	const ids = Array.from({ length: 30 }, (_, i) => newId('da', T0 + i * 1000))
	// Two ids whose leading 64 bits (millisecond, version, counter) are the same: they spell one seq.
	const twin = `da_${(ids[10] as string).slice(3, 19)}${'f'.repeat(16)}`
	ids.push(twin, 'da_imported_1', 'da_imported_2')
	const insert = db.query(`INSERT INTO delivery_attempts (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, 'conn_a', ?6, 'http://127.0.0.1:9/', 'POST', ?7, 0, 12, ?8)`)
	const order = [...ids.keys()].sort((a, b) => ((a * 7) % ids.length) - ((b * 7) % ids.length))
	for (const i of order) insert.run(ids[i] as string, ORG, ENV, `dlv_${i}`, i % 3 === 0 ? 'evt_other' : 'evt_one', DST, i % 2 ? 'success' : 'failed', T0 + i)
	return ids
}

/** Every attempt id of a list, read four at a time from its first page in `order`, following next cursors. */
async function walked(list: (seek: Seek) => Promise<{ id: string }[]>, order: 'asc' | 'desc'): Promise<string[]> {
	const out: string[] = []
	for (let seek: Seek = { id: null, order, back: false }; ; ) {
		const page = await list(seek)
		out.push(...page.slice(0, 4).map((r) => r.id))
		if (page.length <= 4) return out
		seek = { id: page[3]?.id ?? null, order, back: false }
	}
}

describe('migration 24: delivery attempts keyed by the seq their id spells (sqlite)', () => {
	it('keeps every attempt, found by id, listed in id order; the ids that spell no free seq keep theirs in attempt_seqs', async () => {
		const db = databaseBefore24()
		const ids = storeLegacy(db)
		const before = db.query(`SELECT ${COLUMNS} FROM delivery_attempts ORDER BY id`).all()
		expect(migrate(db)).toBe(MIGRATIONS.length - 23)
		expect(db.query(`SELECT ${COLUMNS} FROM delivery_attempts ORDER BY id`).all()).toEqual(before)
		// Seqs sort as ids do; the id has no index any more, the lists theirs.
		expect(db.query<{ id: string }, []>('SELECT id FROM delivery_attempts ORDER BY seq').all().map((r) => r.id)).toEqual([...ids].sort())
		expect(db.query<{ name: string }, []>("SELECT name FROM pragma_index_list('delivery_attempts') ORDER BY name").all().map((r) => r.name)).toEqual([
			'attempts_destination', 'attempts_env', 'attempts_event'
		])
		const own = db.query<{ id: string }, []>('SELECT id FROM attempt_seqs ORDER BY id').all().map((r) => r.id)
		expect(own).toEqual([ids[30] as string, 'da_imported_1', 'da_imported_2'].sort())
		for (const { id, seq } of db.query<{ id: string; seq: string }, []>('SELECT id, CAST(seq AS TEXT) AS seq FROM delivery_attempts').all()) {
			if (!own.includes(id)) expect(BigInt(seq)).toBe(ATTEMPT_SEQS.seqOfId(id) as bigint)
		}
		expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })

		const attempts = createAttemptsRepo(db)
		for (const id of ids) expect((await attempts.findById(id))?.id).toBe(id)
		expect(await attempts.findById(`da_${(ids[10] as string).slice(3, 19)}${'e'.repeat(16)}`)).toBeNull()
		expect(await attempts.findById('da_imported_3')).toBeNull()
		expect((await attempts.findByIds(['da_imported_2', ids[30] as string, ids[4] as string, 'da_missing'])).map((r) => r.id).sort()).toEqual(
			['da_imported_2', ids[30] as string, ids[4] as string].sort()
		)
		const page = { limit: 5, offset: 0 }
		const ofEvent = ids.filter((_, i) => i % 3 !== 0)
		for (const order of ['asc', 'desc'] as const) {
			const sorted = order === 'asc' ? [...ids].sort() : [...ids].sort().reverse()
			expect(await walked((s) => attempts.list({ envId: ENV }, s, page), order)).toEqual(sorted)
			const byEvent = sorted.filter((id) => ofEvent.includes(id))
			expect(await walked((s) => attempts.list({ envId: ENV, eventId: 'evt_one' }, s, page), order)).toEqual(byEvent)
		}

		// The rollup folds each attempt below its ceiling once, the twin included, in batches that end at an id
		// (the imported ids sort past `da_g`, as no id hookstream mints does: never rolled, as before).
		const metrics = createMetricsRepo(db, new MemoryLeases())
		let folded = 0
		for (let rolled = await metrics.rollAttempts('da_g', 7); rolled !== null; rolled = await metrics.rollAttempts('da_g', 7)) {
			folded += rolled.deliveries.reduce((n, d) => n + d.delivery_count, 0)
		}
		expect(folded).toBe(ids.length - 2)
		db.close()
	})

	it('migrates an empty table, ids that sort before da_0 or spell no seq, and keeps seqs strictly increasing in id order', () => {
		const empty = databaseBefore24()
		migrate(empty)
		expect(empty.query('SELECT COUNT(*) AS n FROM delivery_attempts').get()).toEqual({ n: 0 })
		empty.close()
		const db = databaseBefore24()
		const ids = ['DA_x', 'Da_y', newId('da', T0), `da_8${'0'.repeat(31)}`, `da_f${'1'.repeat(31)}`, 'da_zz']
		const insert = db.query(`INSERT INTO delivery_attempts (${COLUMNS}) VALUES (?1, ?2, ?3, 'dlv_x', 'evt_x', 'conn_a', ?4, 'http://127.0.0.1:9/', 'POST', 'failed', 0, 1, ?5)`)
		for (const id of ids) insert.run(id, ORG, ENV, DST, T0)
		migrate(db)
		const seqs = db.query<{ id: string; seq: string }, []>('SELECT id, CAST(seq AS TEXT) AS seq FROM delivery_attempts ORDER BY seq').all()
		expect(seqs.map((r) => r.id)).toEqual([...ids].sort())
		for (let i = 1; i < seqs.length; i++) expect(BigInt(seqs[i]?.seq as string) > BigInt(seqs[i - 1]?.seq as string)).toBe(true)
		db.close()
	})
})

describe('recording attempts on SQLite (migration 24)', () => {
	/** A migrated database with `n` queued deliveries of DST, claimed by `owner`. */
	async function claimed(n: number, owner = 'w_seq') {
		const db = new Database(':memory:', { strict: true })
		migrate(db)
		const leases = new MemoryLeases()
		const repo = createDeliveryRepo(db, leases)
		db.query("INSERT INTO organizations (id, name, created_at) VALUES (?1, 'o', 0)").run(ORG)
		db.query("INSERT INTO environments (id, org_id, name, slug, created_at) VALUES (?1, ?2, 'e', 'e', 0)").run(ENV, ORG)
		db.query("INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES (?1, ?2, ?3, 'd', 'd', 'http://127.0.0.1:9/', 0, 0)").run(DST, ORG, ENV)
		const insert = db.query(`INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at)
			VALUES (?1, ?2, ?3, ?4, 'conn_a', ?5, 'queued', 0, 1, 'initial', 1, 1)`)
		for (let i = 0; i < n; i++) insert.run(`dlv_${String(i).padStart(3, '0')}`, ORG, ENV, `evt_${i}`, DST)
		const rows = await repo.claim(DST, 10, n, owner, 60_000)
		expect(rows).toHaveLength(n)
		return { db, repo, rows, attempts: createAttemptsRepo(db) }
	}
	const delivered = (row: { id: string; event_id: string; destination_id: string }, at: number, id = '') =>
		outcome('w_seq', row, { state: 'delivered', dueAt: 1 }, {}, { id, created_at: at })

	it('mints each id at the attempt time, spelling its row seq, in the order recorded; an own id takes the seq it spells', async () => {
		const { db, repo, rows, attempts } = await claimed(4)
		const [a, b, c, d] = rows.map((r) => r)
		const batch = [delivered(a as never, T0 + 5), delivered(b as never, T0 + 5), delivered(c as never, T0 + 3)]
		const own = delivered(d as never, T0, newId('da', T0 - 60_000))
		expect(await repo.completeBatch([...batch, own])).toBe(4)
		const minted = batch.map((o) => o.attempt.id)
		// The third attempt's time is behind the second's: its id takes the later millisecond (commit order).
		expect(minted.map((id) => id.slice(3, 15))).toEqual([T0 + 5, T0 + 5, T0 + 5].map((t) => t.toString(16).padStart(12, '0')))
		expect([...minted].sort()).toEqual(minted)
		const stored = db.query<{ id: string; seq: string }, []>('SELECT id, CAST(seq AS TEXT) AS seq FROM delivery_attempts ORDER BY seq').all()
		expect(stored.map((r) => r.id)).toEqual([own.attempt.id, ...minted])
		for (const { id, seq } of stored) expect(BigInt(seq)).toBe(ATTEMPT_SEQS.seqOfId(id) as bigint)
		expect(db.query('SELECT COUNT(*) AS n FROM attempt_seqs').get()).toEqual({ n: 0 })
		for (const id of [...minted, own.attempt.id]) expect((await attempts.findById(id))?.delivery_id).toBeDefined()
		db.close()
	})

	it('an id recorded twice fails its batch, as the unique index did, and the batch writes nothing', async () => {
		const { db, repo, rows } = await claimed(2)
		const id = newId('da', T0)
		expect(await repo.completeBatch([delivered(rows[0] as never, T0, id)])).toBe(1)
		await expect(repo.completeBatch([delivered(rows[1] as never, T0, id)])).rejects.toThrow('UNIQUE constraint failed: delivery_attempts.id')
		expect(db.query('SELECT COUNT(*) AS n FROM delivery_attempts').get()).toEqual({ n: 1 })
		expect(db.query("SELECT state FROM deliveries WHERE id = 'dlv_001'").get()).toEqual({ state: 'queued' })
		db.close()
	})

	it('a seq taken behind the repo\'s back rolls the batch back and places it again past it', async () => {
		const { db, repo, rows, attempts } = await claimed(2)
		// The seq the repo would mint first at T0 + 9 (millisecond, version 7, counter 0), written by raw SQL after the repo opened.
		const taken = BigInt(T0 + 9) * 65536n + 0x7000n
		const foreign = `da_${taken.toString(16).padStart(16, '0')}${'0'.repeat(16)}`
		db.query(`INSERT INTO delivery_attempts (seq, ${COLUMNS}) VALUES (?1, ?2, ?3, ?4, 'dlv_raw', 'evt_raw', 'conn_a', ?5, 'http://127.0.0.1:9/', 'POST', 'success', 0, 1, ?6)`)
			.run(taken, foreign, ORG, ENV, DST, T0 + 9)
		const batch = rows.map((r) => delivered(r as never, T0 + 9))
		expect(await repo.completeBatch(batch)).toBe(2)
		const ids = batch.map((o) => o.attempt.id)
		expect(ids.every((id) => id > foreign && id.slice(3, 15) === (T0 + 9).toString(16).padStart(12, '0'))).toBe(true)
		expect((await attempts.findById(foreign))?.delivery_id).toBe('dlv_raw')
		for (const id of ids) expect((await attempts.findById(id))?.id).toBe(id)
		expect(db.query('SELECT COUNT(*) AS n FROM delivery_attempts').get()).toEqual({ n: 3 })
		expect(await createMetricsRepo(db, new MemoryLeases()).rollAttempts(idFloorAt('da', T0 + 10), 100)).not.toBeNull()
		db.close()
	})
})
