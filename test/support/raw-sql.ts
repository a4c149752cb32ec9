import type { Database, SQLQueryBindings } from 'bun:sqlite'
import type { Store } from '../../src/store'
import { prepare } from '../../src/db/sql'

/**
 * Raw SQL on whichever engine a test store runs, for tests that seed or inspect
 * tables directly: the same `$1…` text runs on both (SQLite reads it as `?1…`).
 * Bodies go in as Uint8Array (BLOB / bytea); SUMs need `CAST(… AS BIGINT)` to come
 * back as numbers on PostgreSQL.
 */
export interface RawSql {
	all<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>
	get<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T | null>
	/** Returns the number of rows changed. */
	run(text: string, params?: readonly unknown[]): Promise<number>
}

/**
 * SQLite's events carry the list keys of their environment and source (migration 18), which
 * the events repo binds on insert and every list reads through. A test that writes events
 * with plain portable SQL gets them here, as the migration's backfill gives them to the
 * events it finds (PostgreSQL has no such columns).
 */
function keyRawEvents(db: Database): void {
	db.run(`INSERT OR IGNORE INTO list_keys (id) SELECT env_id FROM events WHERE env_key IS NULL
		UNION ALL SELECT source_id FROM events WHERE source_key IS NULL`)
	db.run(`UPDATE events SET env_key = (SELECT key FROM list_keys WHERE id = events.env_id),
		source_key = (SELECT key FROM list_keys WHERE id = events.source_id) WHERE env_key IS NULL OR source_key IS NULL`)
}

/** Statements that write `events` rows (which then need their list keys on SQLite). */
const writesEvents = (text: string): boolean => /^\s*INSERT INTO events\b/i.test(text)

export function rawSql(store: Store): RawSql {
	const b = store.backend
	if (b.kind === 'postgres') return { all: (t, p = []) => b.pg.all(t, p), get: (t, p = []) => b.pg.get(t, p), run: (t, p = []) => b.pg.run(t, p) }
	const q = (text: string) => prepare<Record<string, unknown>, SQLQueryBindings[]>(b.db, text)
	return {
		async all<T>(text: string, params: readonly unknown[] = []) {
			return q(text).all(...(params as SQLQueryBindings[])) as T[]
		},
		async get<T>(text: string, params: readonly unknown[] = []) {
			return (q(text).get(...(params as SQLQueryBindings[])) as T | null) ?? null
		},
		async run(text: string, params: readonly unknown[] = []) {
			const changes = q(text).run(...(params as SQLQueryBindings[])).changes
			if (writesEvents(text)) keyRawEvents(b.db)
			return changes
		}
	}
}
