import type { SQLQueryBindings } from 'bun:sqlite'
import type { Store } from '../../src/store'

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

export function rawSql(store: Store): RawSql {
	const b = store.backend
	if (b.kind === 'postgres') return { all: (t, p = []) => b.pg.all(t, p), get: (t, p = []) => b.pg.get(t, p), run: (t, p = []) => b.pg.run(t, p) }
	const q = (text: string) => b.db.query<Record<string, unknown>, SQLQueryBindings[]>(text.replace(/\$(\d+)/g, '?$1'))
	return {
		async all<T>(text: string, params: readonly unknown[] = []) {
			return q(text).all(...(params as SQLQueryBindings[])) as T[]
		},
		async get<T>(text: string, params: readonly unknown[] = []) {
			return (q(text).get(...(params as SQLQueryBindings[])) as T | null) ?? null
		},
		async run(text: string, params: readonly unknown[] = []) {
			return q(text).run(...(params as SQLQueryBindings[])).changes
		}
	}
}
