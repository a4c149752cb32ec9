import { Database } from 'bun:sqlite'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { migrate } from './migrate'

export const DB_FILE = 'hookstream.db'
/** The page size of a new database file. */
export const PAGE_SIZE = 8192

/**
 * The database holds every payload and header received: owner-only, whatever the umask.
 * The file is created 0600 before SQLite opens it, and SQLite gives its -wal and -shm
 * files the mode of the database file; files left by an older version are tightened.
 */
function createPrivately(dataDir: string): string {
	const path = privateFile(dataDir, DB_FILE)
	for (const file of [`${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
	return path
}

/** SQLite could not take a lock another connection or process holds. */
export const isBusy = (e: unknown): boolean => /SQLITE_BUSY|database is locked/i.test(`${(e as { code?: string }).code ?? ''} ${String(e)}`)

/** `name` in the data dir (both made when missing), owner-only. */
export function privateFile(dataDir: string, name: string): string {
	if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 })
	const path = join(dataDir, name)
	closeSync(openSync(path, 'a', 0o600))
	chmodSync(path, 0o600)
	return path
}

export interface OpenOptions {
	dataDir: string
	synchronous: 'NORMAL' | 'FULL'
	/** Apply pending migrations (serve does; CLI one-shots do too so they work on a fresh dir). */
	migrate: boolean
}

/** Opens a handle with the pragmas the storage rules require (the API's, or the event writer's). */
export function openDatabase(opts: OpenOptions): Database {
	const db = new Database(createPrivately(opts.dataDir), { create: true, strict: true })
	// busy_timeout first: a CLI next to a running server must wait for the write lock, not fail.
	db.run('PRAGMA busy_timeout = 5000')
	// Only a new file takes it (an existing database keeps the page size it was created with).
	// Events of 1 KB bodies with a signature header or a dedup hash are ~1.45 KB rows: two fit
	// a 4 KB page, leaving a quarter of it empty, five fit 8 KB (BENCHMARKS.md, stored bytes).
	db.run(`PRAGMA page_size = ${PAGE_SIZE}`)
	db.run('PRAGMA journal_mode = WAL')
	db.run(`PRAGMA synchronous = ${opts.synchronous}`)
	db.run('PRAGMA foreign_keys = ON')
	if (opts.migrate) migrate(db)
	return db
}
