import type { Database, SQLQueryBindings } from 'bun:sqlite'
import type { Store } from '../../src/store'
import { prepare } from '../../src/db/sql'
import { ATTEMPT_SEQS } from '../../src/attempts/seq-sql'
import type { SeqKeys } from '../../src/db/seq-keys'
import { EVENT_SEQS } from '../../src/events/seq-sql'

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

interface RawRow {
	seq: string
	id: string
}

/**
 * Rows of a seq-keyed table (src/db/seq-keys.ts) written with plain SQL, which took the next free
 * seq: each moves to the seq its id spells when that is free, or else keeps its own in the
 * table's own-seqs table, as the migrations seat the rows they find.
 */
function seatRawRows(db: Database, keys: SeqKeys, rows: readonly RawRow[]): void {
	for (const { seq, id } of rows) {
		const spelled = keys.seqOfId(id)
		if (spelled !== null && BigInt(seq) === spelled) continue
		if (spelled !== null && db.query(`SELECT 1 FROM ${keys.table} WHERE seq = ?1`).get(spelled) === null) {
			db.query(`UPDATE ${keys.table} SET seq = ?1 WHERE seq = ?2`).run(spelled, BigInt(seq))
		} else db.query(`INSERT INTO ${keys.ownSeqs} (id, seq) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq`).run(id, BigInt(seq))
	}
}

/**
 * SQLite's events carry the list keys of their environment and source (migration 18) and are
 * keyed by the seq their id spells (migration 22), which the events repo gives them on insert
 * and every read goes through. A test that writes events with plain portable SQL gets them
 * here, as the migrations give them to the events they find (PostgreSQL has no such columns):
 * its seq (`seatRawRows`) and its list keys.
 */
function keyRawEvents(db: Database): void {
	seatRawRows(db, EVENT_SEQS, db.query<RawRow, []>('SELECT CAST(seq AS TEXT) AS seq, id FROM events WHERE env_key IS NULL OR source_key IS NULL').all())
	db.run(`INSERT OR IGNORE INTO list_keys (id) SELECT env_id FROM events WHERE env_key IS NULL
		UNION ALL SELECT source_id FROM events WHERE source_key IS NULL`)
	db.run(`UPDATE events SET env_key = (SELECT key FROM list_keys WHERE id = events.env_id),
		source_key = (SELECT key FROM list_keys WHERE id = events.source_id) WHERE env_key IS NULL OR source_key IS NULL`)
}

/** Statements that write `events` rows (which then need their list keys on SQLite). */
const writesEvents = (text: string): boolean => /^\s*INSERT INTO events\b/i.test(text)

/** Statements that write `delivery_attempts` rows (which then need their seqs on SQLite). */
const writesAttempts = (text: string): boolean => /^\s*INSERT INTO delivery_attempts\b/i.test(text)
const newestAttemptSeq = (db: Database): bigint =>
	BigInt(db.query<{ seq: string | null }, []>('SELECT CAST(MAX(seq) AS TEXT) AS seq FROM delivery_attempts').get()?.seq ?? 0)

/**
 * SQLite's delivery attempts are keyed by the seq their id spells (migration 24), which the
 * delivery repo gives them on insert. A test that writes attempts with plain portable SQL gets
 * them here (`seatRawRows`): the rows past `after`, the newest seq before the statement.
 */
function keyRawAttempts(db: Database, after: bigint): void {
	seatRawRows(db, ATTEMPT_SEQS, db.query<RawRow, [bigint]>('SELECT CAST(seq AS TEXT) AS seq, id FROM delivery_attempts WHERE seq > ?1 ORDER BY seq').all(after))
}

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
			const attemptsAfter = writesAttempts(text) ? newestAttemptSeq(b.db) : null
			const changes = q(text).run(...(params as SQLQueryBindings[])).changes
			if (writesEvents(text)) keyRawEvents(b.db)
			if (attemptsAfter !== null) keyRawAttempts(b.db, attemptsAfter)
			return changes
		}
	}
}
