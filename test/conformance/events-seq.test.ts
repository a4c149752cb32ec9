import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { MIGRATIONS, migrate } from '../../src/db/migrate'
import { payloadStatements } from '../../src/delivery/repo-payloads'
import { createEventQueries, type EventFilter } from '../../src/events/queries'
import { createEventsRepo } from '../../src/events/repo'
import { seqOfId } from '../../src/events/seq-sql'
import { idFloorAt, newId } from '../../src/lib/ids'
import { createLiveRepo } from '../../src/live/repo'
import { type EventList, pagesOf } from '../support/event-pages'
import { sqliteSchemaBefore } from '../support/schema-before'
import { ENV, ORG, pending, T0 } from './events-fixtures'

/**
 * Migration 22 (SQLite only) keys events by the seq their id spells, with no index on the id.
 * Existing rows keep every id and column, are found by id, and list in id
 * order, also where they had committed out of id order, two ids share their leading 64 bits,
 * or an id spells no seq. Ingest then mints ids above the newest, in commit order.
 */

const OTHER_ENV = 'env_other'
const [A, B] = ['src_a', 'src_b']

function databaseBefore22(): Database {
	const db = new Database(':memory:', { strict: true })
	sqliteSchemaBefore(db, 22)
	db.query("INSERT INTO organizations (id, name, created_at) VALUES (?1, 'o', 0)").run(ORG)
	for (const env of [ENV, OTHER_ENV]) db.query('INSERT INTO environments (id, org_id, name, slug, created_at) VALUES (?1, ?2, ?1, ?1, 0)').run(env, ORG)
	for (const [id, env] of [[A, ENV], [B, OTHER_ENV]] as const) {
		db.query('INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?1, ?1, 0, 0)').run(id, ORG, env)
	}
	return db
}

/** Legacy events as migration 21's schema held them, in a commit (rowid) order that is not id order; returns their ids. */
function storeLegacy(db: Database): string[] {
	const ids = Array.from({ length: 40 }, (_, i) => newId('evt', T0 + i * 1000))
	// Two ids whose leading 64 bits (millisecond, version, counter) are the same: they spell one seq.
	const twin = `evt_${(ids[10] as string).slice(4, 20)}${'f'.repeat(16)}`
	ids.push(twin, 'evt_imported_1', 'evt_imported_2')
	const insert = db.query(`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_inline, payload_size, verification_status, dedup_status,
		status, received_at, env_key, source_key) VALUES (?1, ?2, ?3, ?4, 'POST', '{"x":"1"}', ?5, ?6, 'unverified', 'unique', 'no_route', ?7,
		(SELECT key FROM list_keys WHERE id = ?3), (SELECT key FROM list_keys WHERE id = ?4))`)
	const order = [...ids.keys()].sort((a, b) => ((a * 7) % ids.length) - ((b * 7) % ids.length))
	for (const i of order) {
		const id = ids[i] as string
		const [env, source] = i % 3 === 0 ? [OTHER_ENV, B] : [ENV, A]
		const body = new TextEncoder().encode(`{"n":${i}}`)
		insert.run(id, ORG, env, source, body, body.byteLength, T0 + i)
	}
	return ids
}

/** Every event of a list, read a page of four at a time from its first in `order`. */
const walked = async (list: EventList, filter: EventFilter, order: 'asc' | 'desc') => (await pagesOf(list, filter, order, false)).flat()

const idsInOrder = (ids: string[], order: 'asc' | 'desc') => (order === 'asc' ? [...ids].sort() : [...ids].sort().reverse())

describe('migration 22: events keyed by the seq their id spells (sqlite)', () => {
	it('keeps every event, found by id, listed in id order; the ids that spell no free seq keep theirs in event_seqs', async () => {
		const db = databaseBefore22()
		const ids = storeLegacy(db)
		const before = db.query('SELECT id, org_id, env_id, source_id, headers, payload_inline, received_at, env_key, source_key FROM events ORDER BY id').all()
		expect(migrate(db)).toBe(MIGRATIONS.length - 21)
		expect(db.query('SELECT id, org_id, env_id, source_id, headers, payload_inline, received_at, env_key, source_key FROM events ORDER BY id').all()).toEqual(before)
		// Seqs sort as ids do; the id has no index any more, the lists theirs.
		expect(db.query<{ id: string }, []>('SELECT id FROM events ORDER BY seq').all().map((r) => r.id)).toEqual([...ids].sort())
		expect(db.query<{ name: string }, []>("SELECT name FROM pragma_index_list('events') ORDER BY name").all().map((r) => r.name)).toEqual(['events_env', 'events_env_source'])
		// The twin (sorting after its first) and both imported ids are the rows whose seq is not the one their id spells.
		const own = db.query<{ id: string }, []>('SELECT id FROM event_seqs ORDER BY id').all().map((r) => r.id)
		expect(own).toEqual([ids[40] as string, 'evt_imported_1', 'evt_imported_2'].sort())
		const seqs = db.query<{ id: string; seq: string }, []>('SELECT id, CAST(seq AS TEXT) AS seq FROM events').all()
		for (const { id, seq } of seqs) if (!own.includes(id)) expect(BigInt(seq)).toBe(seqOfId(id) as bigint)
		expect(db.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })

		const queries = createEventQueries(db)
		for (const id of ids) expect((await queries.findById(id))?.id).toBe(id)
		expect(await queries.findById(`evt_${(ids[10] as string).slice(4, 20)}${'e'.repeat(16)}`)).toBeNull()
		expect(await queries.findById('evt_imported_3')).toBeNull()
		const inEnv = ids.filter((_, i) => i % 3 !== 0)
		for (const order of ['asc', 'desc'] as const) {
			expect(await walked((f, s, p) => queries.list(f, s, p), { envId: ENV }, order)).toEqual(idsInOrder(inEnv, order))
			expect(await walked((f, s, p) => queries.list(f, s, p), { envId: OTHER_ENV, sourceId: B }, order)).toEqual(idsInOrder(ids.filter((_, i) => i % 3 === 0), order))
		}
		expect((await queries.listByIds(['evt_imported_2', ids[40] as string, 'evt_missing'])).map((r) => r.id)).toEqual(['evt_imported_2', ids[40] as string])
		expect((await queries.findToDeliver(ids[40] as string))?.id).toBe(ids[40])
		// The reads of many ids at once (payloads read ahead, the live relay) find the ones with a seq of their own too.
		const some = [ids[40] as string, 'evt_imported_1', ids[1] as string, `evt_${(ids[10] as string).slice(4, 20)}${'e'.repeat(16)}`]
		expect((await payloadStatements(db).readToDeliver(some)).map((e) => e.id).sort()).toEqual(some.slice(0, 3).sort())
		expect((await createLiveRepo(db).eventsByIds(some)).map((e) => e.row.id)).toEqual(some.slice(0, 3).sort())

		// Ingest mints ids at their receipt time, among the stored ones, and retention deletes by id order.
		const repo = createEventsRepo(db)
		const next = pending({ source: A, at: T0 + 20_500 })
		await repo.insertBatch([next])
		expect(next.row.id.slice(4, 16)).toBe((T0 + 20_500).toString(16).padStart(12, '0'))
		expect((await queries.findById(next.row.id))?.id).toBe(next.row.id)
		// The first 20 and the twin of the eleventh; the imported ids sort after every minted one.
		expect(await repo.purgeBefore(idFloorAt('evt', T0 + 20_000), 1000)).toBe(21)
		expect(db.query<{ id: string }, []>('SELECT id FROM events ORDER BY seq').all().map((r) => r.id)).toEqual(
			[...ids.slice(20, 40), next.row.id, 'evt_imported_1', 'evt_imported_2'].sort()
		)
		db.close()
	})
})

describe('migration 22 on unusual ids (sqlite)', () => {
	it('migrates an empty table, ids that sort before evt_0 or spell no seq, and keeps seqs strictly increasing in id order', () => {
		const empty = databaseBefore22()
		migrate(empty)
		expect(empty.query('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 0 })
		empty.close()
		const db = databaseBefore22()
		const ids = ['EVT_x', 'Evt_y', newId('evt', T0), `evt_8${'0'.repeat(31)}`, `evt_f${'1'.repeat(31)}`, 'evt_zz']
		const insert = db.query(`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at, env_key, source_key)
			VALUES (?1, ?2, ?3, ?4, 'POST', '{}', 0, 'unverified', 'unique', 'no_route', 0, (SELECT key FROM list_keys WHERE id = ?3), (SELECT key FROM list_keys WHERE id = ?4))`)
		for (const id of ids) insert.run(id, ORG, ENV, A)
		migrate(db)
		const seqs = db.query<{ id: string; seq: string }, []>('SELECT id, CAST(seq AS TEXT) AS seq FROM events ORDER BY seq').all()
		expect(seqs.map((r) => r.id)).toEqual([...ids].sort())
		const values = seqs.map((r) => BigInt(r.seq))
		for (let i = 1; i < values.length; i++) expect((values[i] as bigint) > (values[i - 1] as bigint)).toBe(true)
		// Only the minted id spells its seq; the others are found through event_seqs.
		expect(db.query<{ id: string }, []>('SELECT id FROM event_seqs ORDER BY id').all().map((r) => r.id)).toEqual(ids.filter((id) => id !== ids[2]).sort())
		const queries = createEventQueries(db)
		return Promise.all(ids.map(async (id) => expect((await queries.findById(id))?.id).toBe(id)))
	})
})

describe('events repo: ids minted as rows are written (sqlite)', () => {
	const open = () => {
		const db = new Database(':memory:', { strict: true })
		migrate(db)
		db.query("INSERT INTO organizations (id, name, created_at) VALUES (?1, 'o', 0)").run(ORG)
		db.query("INSERT INTO environments (id, org_id, name, slug, created_at) VALUES (?1, ?2, 'e', 'e', 0)").run(ENV, ORG)
		db.query("INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES ('src_a', ?1, ?2, 'a', 'a', 0, 0)").run(ORG, ENV)
		db.query("INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES ('dst_a', ?1, ?2, 'd', 'd', 'http://127.0.0.1:9/', 0, 0)").run(ORG, ENV)
		db.query("INSERT INTO connections (id, org_id, env_id, source_id, destination_id, name, created_at, updated_at) VALUES ('conn_src_a', ?1, ?2, 'src_a', 'dst_a', 'c', 0, 0)").run(ORG, ENV)
		return db
	}

	it('in commit order, also for an event received before the last one written; a body stored apart gets its ref', async () => {
		const db = open()
		const repo = createEventsRepo(db)
		const first = [pending({ at: T0 + 50 }), pending({ at: T0 + 10, body: 'x'.repeat(20_000) })]
		await repo.insertBatch(first)
		const late = pending({ at: T0 })
		await repo.insertBatch([late])
		const ids = [...first, late].map((p) => p.row.id)
		expect([...ids].sort()).toEqual(ids)
		expect(first[1]?.row.payload_ref).toBe(`event_payloads:${first[1]?.row.id}`)
		expect(db.query('SELECT COUNT(*) AS n FROM event_payloads WHERE event_id = ?1').get(first[1]?.row.id as string)).toEqual({ n: 1 })
		expect(db.query('SELECT COUNT(*) AS n FROM event_seqs').get()).toEqual({ n: 0 })
		db.close()
	})

	it('a minted seq a row written behind the repo took (raw SQL) rolls the batch back and places it again, dedup decided afresh', async () => {
		const db = open()
		const repo = createEventsRepo(db)
		// The batch's second id minted at T0 spells `<T0>7001`: a row written past the repo takes that seq first.
		const squatter = `evt_${T0.toString(16).padStart(12, '0')}7001${'a'.repeat(16)}`
		db.query(`INSERT INTO events (seq, id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
			VALUES (?1, ?2, ?3, ?4, 'src_a', 'POST', '{}', 0, 'unverified', 'unique', 'no_route', ?5)`).run(seqOfId(squatter) as bigint, squatter, ORG, ENV, T0)
		const batch = [pending({ at: T0, dedup: { key: 'k1', windowMs: 60_000 } }), pending({ at: T0, routes: ['conn_src_a'] })]
		await repo.insertBatch(batch)
		const stored = db.query<{ id: string }, []>('SELECT id FROM events ORDER BY seq').all().map((r) => r.id)
		expect(stored).toEqual([batch[0]?.row.id, squatter, batch[1]?.row.id].sort() as string[])
		expect(new Set(stored).size).toBe(3)
		for (const p of batch) expect(seqOfId(p.row.id)).not.toBeNull()
		// The retry decided dedup anew: the first row is not a duplicate of itself.
		expect(batch.map((p) => p.row.dedup_status)).toEqual(['unique', 'unique'])
		expect(db.query('SELECT COUNT(*) AS n FROM event_seqs').get()).toEqual({ n: 0 })
		// The first attempt's outbox row went with its rollback: one delivery, for the id that was kept.
		expect(db.query<{ event_id: string }, []>('SELECT event_id FROM deliveries').all()).toEqual([{ event_id: batch[1]?.row.id as string }])
		// The key the first row holds is the one a later twin meets.
		const twin = pending({ at: T0 + 1, dedup: { key: 'k1', windowMs: 60_000 } })
		await repo.insertBatch([twin])
		expect(twin.row.dedup_status).toBe('duplicate')
		db.close()
	})

	it('a clock behind a stored id mints at its own time, moving past taken seqs instead of following the newest', async () => {
		const db = open()
		const later = pending({ at: T0 + 365 * 86_400_000 })
		later.row.id = newId('evt', T0 + 365 * 86_400_000)
		await createEventsRepo(db).insertBatch([later])
		const repo = createEventsRepo(db)
		const [a, b] = [pending({ at: T0 }), pending({ at: T0 })]
		await repo.insertBatch([a, b])
		for (const p of [a, b]) expect(p.row.id.slice(4, 16)).toBe(T0.toString(16).padStart(12, '0'))
		expect(db.query<{ id: string }, []>('SELECT id FROM events ORDER BY seq').all().map((r) => r.id)).toEqual([a.row.id, b.row.id, later.row.id])
		db.close()
	})

	it('rows with their own ids and minted ones share a batch; an id deleted and written again takes the seq it spells', async () => {
		const db = open()
		const repo = createEventsRepo(db)
		const batch = [pending({ at: T0 }), pending({ at: T0 }), pending({ at: T0 })]
		batch[0]!.row.id = 'evt_imported_a'
		batch[1]!.row.id = 'evt_imported_b'
		await repo.insertBatch(batch)
		const queries = createEventQueries(db)
		for (const p of batch) expect((await queries.findById(p.row.id))?.id).toBe(p.row.id)
		// Two ids with the same leading 64 bits: the second keeps a seq of its own until both are gone.
		const first = pending({ at: T0 + 5 })
		first.row.id = newId('evt', T0 + 5)
		const second = pending({ at: T0 + 5 })
		second.row.id = `${first.row.id.slice(0, 20)}${'f'.repeat(16)}`
		await repo.insertBatch([first, second])
		expect(db.query<{ id: string }, []>('SELECT id FROM event_seqs ORDER BY id').all().map((r) => r.id)).toEqual(['evt_imported_a', 'evt_imported_b', second.row.id].sort())
		db.query('DELETE FROM events WHERE id IN (?1, ?2)').run(first.row.id, second.row.id)
		const again = pending({ at: T0 + 6 })
		again.row.id = second.row.id
		await repo.insertBatch([again])
		expect((await queries.findById(second.row.id))?.received_at).toBe(T0 + 6)
		expect(db.query('SELECT COUNT(*) AS n FROM event_seqs WHERE id = ?1').get(second.row.id)).toEqual({ n: 0 })
		const thrice = pending({ at: T0 + 7 })
		thrice.row.id = second.row.id
		await expect(repo.insertBatch([thrice])).rejects.toThrow(/UNIQUE/)
		db.close()
	})

	it('an id given twice fails its batch, as the unique index did', async () => {
		const db = open()
		const repo = createEventsRepo(db)
		const p = pending({ at: T0 })
		await repo.insertBatch([p])
		const again = pending({ at: T0 + 1 })
		again.row.id = p.row.id
		await expect(repo.insertBatch([again])).rejects.toThrow(/UNIQUE/)
		const odd = pending({ at: T0 + 2 })
		odd.row.id = 'evt_not_hex'
		await repo.insertBatch([odd])
		const oddAgain = pending({ at: T0 + 3 })
		oddAgain.row.id = 'evt_not_hex'
		await expect(repo.insertBatch([oddAgain])).rejects.toThrow(/UNIQUE/)
		expect(db.query('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 2 })
		db.close()
	})
})
