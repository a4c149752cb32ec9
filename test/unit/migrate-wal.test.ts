import { Database } from 'bun:sqlite'
import { afterAll, expect, it } from 'bun:test'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS, migrate } from '../../src/db/migrate'
import { tempDir } from '../helpers'
import { sqliteSchemaBefore } from '../support/schema-before'

const dir = tempDir('hookstream-migrate-wal-')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Migration 18 rewrites every events row: the WAL it leaves must not stay on disk at the table's size. */
it('folds the WAL of the migrations it applied back into the database file before returning', () => {
	const path = join(dir, 'hookstream.db')
	const db = new Database(path, { create: true, strict: true })
	db.run('PRAGMA journal_mode = WAL')
	db.run('PRAGMA wal_autocheckpoint = 0') // only migrate's own checkpoint may empty the WAL
	sqliteSchemaBefore(db, 18)
	const body = new Uint8Array(1024).fill(120)
	const insert = db.query(`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_inline, payload_size, verification_status, dedup_status, status, received_at)
		VALUES (?1, 'org_1', 'env_1', 'src_1', 'POST', '{}', ?2, 1024, 'unverified', 'unique', 'no_route', 0)`)
	db.transaction(() => {
		for (let i = 0; i < 3000; i++) insert.run(`evt_${i.toString(16).padStart(32, '0')}`, body)
	})()
	db.run('PRAGMA wal_checkpoint(TRUNCATE)')
	expect(migrate(db)).toBe(MIGRATIONS.filter((m) => m.version >= 18).length)
	expect(statSync(`${path}-wal`).size).toBe(0)
	expect(db.query('SELECT COUNT(*) AS n FROM events WHERE env_key IS NOT NULL').get()).toEqual({ n: 3000 })
	// Nothing applied, nothing to fold: a restart does not pay a checkpoint.
	db.run("INSERT INTO organizations (id, name, created_at) VALUES ('org_x', 'x', 0)")
	expect(migrate(db)).toBe(0)
	expect(statSync(`${path}-wal`).size).toBeGreaterThan(0)
	db.close()
})
