import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { MIGRATIONS } from '../../src/db/migrate'
import { DB_FILE } from '../../src/db/open'
import type { Pg } from '../../src/db/pg/client'
import { PG_MIGRATIONS } from '../../src/db/pg/migrate'

/**
 * A database as an older build left it: every migration below `version` applied and recorded,
 * none from `version` on (tests of what a migration does to existing rows).
 */
export function sqliteSchemaBefore(db: Database, version: number): void {
	db.run('CREATE TABLE _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
	for (const m of MIGRATIONS.filter((m) => m.version < version)) {
		db.run(m.sql)
		db.query('INSERT INTO _migrations VALUES (?1, ?2, 0)').run(m.version, m.name)
	}
}

/** The same for PostgreSQL. */
export async function pgSchemaBefore(pg: Pg, version: number): Promise<void> {
	await pg.run('CREATE TABLE _migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)')
	for (const m of PG_MIGRATIONS.filter((m) => m.version < version)) {
		await pg.run(m.sql)
		await pg.run('INSERT INTO _migrations (version, name, applied_at) VALUES ($1, $2, 0)', [m.version, m.name])
	}
}

/** An empty WAL database in `dir` with the page size an older build made it with (new ones get PAGE_SIZE). */
export function databaseWithPageSize(dir: string, pageSize: number): void {
	const db = new Database(join(dir, DB_FILE), { create: true })
	db.run(`PRAGMA page_size = ${pageSize}`)
	db.run('PRAGMA journal_mode = WAL')
	db.close()
}
