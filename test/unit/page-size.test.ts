import { Database } from 'bun:sqlite'
import { afterAll, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { DB_FILE, openDatabase, PAGE_SIZE } from '../../src/db/open'
import { tempDir } from '../helpers'
import { databaseWithPageSize } from '../support/schema-before'

const dirs: string[] = []
afterAll(() => {
	for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
const pageSize = (db: Database) => (db.query('PRAGMA page_size').get() as { page_size: number }).page_size

/** A ~1.45 KB event row (1 KB body plus a signature header) fits five to an 8 KB page, two to 4 KB. */
it('creates a new database with 8 KB pages', () => {
	const dir = tempDir('hookstream-page-size-new-')
	dirs.push(dir)
	const db = openDatabase({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
	expect(PAGE_SIZE).toBe(8192)
	expect(pageSize(db)).toBe(8192)
	db.close()
	const again = new Database(join(dir, DB_FILE), { readonly: true })
	expect(pageSize(again)).toBe(8192)
	again.close()
})

it('keeps the page size of an existing database and migrates it as before', () => {
	const dir = tempDir('hookstream-page-size-old-')
	dirs.push(dir)
	databaseWithPageSize(dir, 4096)
	const db = openDatabase({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
	expect(pageSize(db)).toBe(4096)
	expect(db.query("SELECT COUNT(*) AS n FROM sqlite_schema WHERE name = 'events'").get()).toEqual({ n: 1 })
	db.close()
})
