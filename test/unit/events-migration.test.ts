import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS, migrate } from '../../src/db/migrate'
import { createEventsRepo } from '../../src/events/repo'
import { newId } from '../../src/lib/ids'
import { tempDir } from '../helpers'

const dirs: string[] = []
afterEach(() => {
	for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A database migrated up to (not including) `version`, as an older release left it. */
function dbAt(version: number): Database {
	const dir = tempDir()
	dirs.push(dir)
	const db = new Database(join(dir, 'hookstream.db'), { create: true, strict: true })
	db.run('PRAGMA journal_mode = WAL')
	db.run('CREATE TABLE _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
	for (const m of MIGRATIONS.filter((m) => m.version < version)) {
		db.run(m.sql)
		db.query('INSERT INTO _migrations (version, name, applied_at) VALUES (?1, ?2, ?3)').run(m.version, m.name, 0)
	}
	return db
}

const ENV = 'env_00000000000070008000000000000001'
const insertOld = (db: Database, id: string, source: string, body: Uint8Array) =>
	db.query(
		`INSERT INTO events (id, org_id, env_id, source_id, method, headers, content_type, payload_inline, payload_size,
		 verification_status, dedup_status, status, received_at) VALUES (?1, 'org_1', ?2, ?3, 'POST', '{"a":"b"}', 'application/json', ?4, ?5, 'unverified', 'unique', 'no_route', ?6)`
	).run(id, ENV, source, body, body.byteLength, Date.now())

describe('migration 5 (list indexes end in the rowid)', () => {
	it('keeps existing events byte for byte and serves pages, old and new, through the new indexes', async () => {
		const db = dbAt(5)
		const ids: string[] = []
		// Events stored before the upgrade, then after it: one list across both.
		for (let i = 0; i < 40; i++) ids.push(newId('evt', 1_700_000_000_000 + i))
		const bodyOf = (id: string) => new Uint8Array([0, 255, ...new TextEncoder().encode(id), 0x80])
		const sourceOf = (id: string) => (ids.indexOf(id) % 2 ? 'src_odd' : 'src_even')
		for (const id of ids.slice(0, 25)) insertOld(db, id, sourceOf(id), bodyOf(id))

		expect(migrate(db)).toBe(1)
		for (const id of ids.slice(25)) insertOld(db, id, sourceOf(id), bodyOf(id))
		const rows = db.query<{ id: string; payload_inline: Uint8Array }, []>('SELECT id, payload_inline FROM events ORDER BY rowid').all()
		expect(rows.map((r) => r.id)).toEqual(ids)
		for (const r of rows) expect(new Uint8Array(r.payload_inline)).toEqual(bodyOf(r.id))
		const indexes = db.query<{ name: string }, []>("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'events' ORDER BY name").all()
		expect(indexes.map((i) => i.name)).toEqual(['events_env', 'events_env_source', 'sqlite_autoindex_events_1'])
		expect(() => insertOld(db, ids[0] ?? '', 'src_odd', new Uint8Array(1))).toThrow(/UNIQUE/)

		const repo = createEventsRepo(db)
		const pageIds = async (sourceId?: string) => {
			const out: string[] = []
			let beforeId: string | undefined
			for (;;) {
				const page = await repo.list({ envId: ENV, sourceId }, { beforeId, offset: 0, limit: 7 })
				out.push(...page.map((e) => e.id))
				if (page.length < 7) return out
				beforeId = page.at(-1)?.id
			}
		}
		expect(await pageIds()).toEqual([...ids].reverse())
		expect(await pageIds('src_odd')).toEqual(ids.filter((_, i) => i % 2).reverse())
		// A cursor whose event is gone (retention) still continues below it.
		const gone = ids[20] ?? ''
		db.query('DELETE FROM events WHERE id = ?1').run(gone)
		expect((await repo.list({ envId: ENV }, { beforeId: gone, offset: 0, limit: 100 })).map((e) => e.id)).toEqual(ids.slice(0, 20).reverse())

		const plan = (sql: string) => db.query<{ detail: string }, []>(`EXPLAIN QUERY PLAN ${sql}`).all().map((r) => r.detail).join('; ')
		expect(plan("SELECT id FROM events WHERE env_id = 'e' ORDER BY rowid DESC LIMIT 50")).toMatch(/INDEX events_env \(/)
		expect(plan("SELECT id FROM events WHERE env_id = 'e' AND source_id = 's' ORDER BY rowid DESC LIMIT 50")).toContain('USING INDEX events_env_source')
		expect(plan("SELECT id FROM events WHERE env_id = 'e' ORDER BY rowid DESC LIMIT 50")).not.toContain('TEMP B-TREE')
		db.close()
	})
})
