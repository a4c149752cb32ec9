import { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../../lib/errors'
import { migrate } from '../migrate'
import { DB_FILE, isBusy } from '../open'

/**
 * The SQLite side of `hookstream migrate --to postgres://…`: one install's database, opened so
 * that nothing else can use it while it is copied, and read in one transaction.
 */
export interface SqliteSource {
	readonly path: string
	/** Pending SQLite migrations applied before the copy (0 for an install the current binary has served). */
	readonly migrationsApplied: number
	/** Every table holding data: SQLite's own and the migrations log are left out. */
	tables(): string[]
	columns(table: string): string[]
	count(table: string): number
	/** Bytes stored in one column over all rows, text counted as its UTF-8 bytes (the byte-exact check). */
	bytes(table: string, column: string): number
	/** Rows as stored; integers come back as BigInt so none loses a digit on the way. */
	rows(table: string, columns: readonly string[]): IterableIterator<Record<string, unknown>>
	/** One stored value of each column that holds sealed secrets (the key check), none when nothing is sealed. */
	sealed(): string[]
	close(): void
}

/**
 * Bookkeeping of one engine: PostgreSQL keeps its own migrations log, and SQLite's list keys
 * (migration 18: the events list indexes keyed by small integers) and events' seqs (migration
 * 22: the key a lookup by id spells, with event_seqs for the ids that spell none; migration 23:
 * the seq each delivery carries; migration 24: delivery attempts' seqs, with attempt_seqs) are
 * derived from the ids, which PostgreSQL's indexes use directly. dedup_log (migration 19) is folded into dedup_keys before the copy reads anything
 * (`foldDedupLog`).
 */
export const NOT_COPIED: ReadonlySet<string> = new Set(['_migrations', 'list_keys', 'dedup_log', 'event_seqs', 'attempt_seqs'])
export const SQLITE_ONLY_COLUMNS: Readonly<Record<string, readonly string[]>> = { events: ['seq', 'env_key', 'source_key'], deliveries: ['event_seq'], delivery_attempts: ['seq'] }

/** Columns whose values are sealed with the install's key (lib/crypto SecretBox). */
const SEALED_COLUMNS: readonly (readonly [string, string])[] = [
	['sources', 'verification_secret'],
	['destinations', 'auth_config'],
	['destinations', 'signing_config'],
	['destinations', 'provider_config'],
	['notification_channels', 'config']
]

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`

/**
 * Opens `<dataDir>/hookstream.db` for the copy. Never creates it. Exclusive locking mode makes the
 * first read take the file's exclusive lock and keep it until close: it fails at once while another
 * process holds the database open (a running server keeps its handle open), and while the copy runs
 * no server can start on this data dir and accept events the copy would miss.
 */
export function openSqliteSource(dataDir: string): SqliteSource {
	const path = join(dataDir, DB_FILE)
	if (!existsSync(path)) throw new ConfigError(`no hookstream database in ${dataDir} (${DB_FILE} is missing): pass the --data-dir of the install to move`)
	const db = new Database(path, { readwrite: true, create: false, strict: true })
	try {
		db.run('PRAGMA busy_timeout = 0')
		db.run('PRAGMA locking_mode = EXCLUSIVE')
		db.query('SELECT COUNT(*) AS n FROM sqlite_master').get()
	} catch (e) {
		db.close()
		if (isBusy(e)) throw new ConfigError(`${path} is in use by another process (a running hookstream server?): stop it first, then run the copy again`)
		throw e
	}
	// What `serve` would do at its next start; the PostgreSQL schema matches the latest SQLite one.
	const migrationsApplied = migrate(db)
	foldDedupLog(db)
	// One read transaction: every table is read from the same state (the lock already keeps writers out).
	db.run('BEGIN')
	return sourceOver(db, path, migrationsApplied)
}

/**
 * The dedup keys a server held in memory were logged to dedup_log (events/repo-dedup.ts), a
 * table PostgreSQL does not have: the whole log goes into dedup_keys, newest row last, and the
 * log is emptied, so the copy carries every key of the window.
 */
function foldDedupLog(db: Database): void {
	db.transaction(() => {
		db.run(`INSERT INTO dedup_keys (source_id, key_hash, event_id, expires_at) SELECT source_id, key_hash, event_id, expires_at FROM dedup_log WHERE true ORDER BY rowid
			ON CONFLICT (source_id, key_hash) DO UPDATE SET event_id = excluded.event_id, expires_at = excluded.expires_at`)
		db.run('DELETE FROM dedup_log')
	}).immediate()
}

function sourceOver(db: Database, path: string, migrationsApplied: number): SqliteSource {
	const hasColumn = (table: string, column: string) => db.query<{ name: string }, [string]>('SELECT name FROM pragma_table_info(?1)').all(table).some((c) => c.name === column)
	return {
		path,
		migrationsApplied,
		tables() {
			const rows = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all()
			return rows.map((r) => r.name).filter((name) => !NOT_COPIED.has(name))
		},
		columns(table) {
			const own = SQLITE_ONLY_COLUMNS[table] ?? []
			const names = db.query<{ name: string }, [string]>('SELECT name FROM pragma_table_info(?1) ORDER BY cid').all(table).map((c) => c.name)
			return names.filter((name) => !own.includes(name))
		},
		count(table) {
			return db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${quoteIdent(table)}`).get()?.n ?? 0
		},
		bytes(table, column) {
			const col = quoteIdent(column)
			return db.query<{ n: number }, []>(`SELECT COALESCE(SUM(length(CAST(${col} AS BLOB))), 0) AS n FROM ${quoteIdent(table)}`).get()?.n ?? 0
		},
		rows(table, columns) {
			const stmt = db.query<Record<string, unknown>, []>(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)}`)
			return stmt.safeIntegers(true).iterate()
		},
		sealed() {
			const found: string[] = []
			for (const [table, column] of SEALED_COLUMNS) {
				if (!hasColumn(table, column)) continue
				const row = db.query<{ v: string }, []>(`SELECT ${quoteIdent(column)} AS v FROM ${quoteIdent(table)} WHERE ${quoteIdent(column)} IS NOT NULL LIMIT 1`).get()
				if (row) found.push(row.v)
			}
			return found
		},
		close() {
			try {
				db.run('COMMIT')
			} finally {
				db.close()
			}
		}
	}
}
