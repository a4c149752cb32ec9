import { afterAll, beforeAll, describe } from 'bun:test'
import { rmSync } from 'node:fs'
import { prepare, type SqlValue } from '../../src/db/sql'
import { openSqliteStore, type Store } from '../../src/store'
import { openPgStore } from '../../src/store-pg'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL } from '../support/pg'

/**
 * Runs `fn`'s tests once per engine on a fresh store: SQLite in a temp dir, and PostgreSQL
 * on a fresh database when HOOKSTREAM_TEST_DATABASE_URL is set. Local stand-in until
 * test/conformance/backends.ts (helper pg-ci) lands on main.
 */
export function forEachBackend(fn: (store: () => Store) => void): void {
	for (const kind of ['sqlite', 'postgres'] as const) {
		describe.skipIf(kind === 'postgres' && !TEST_PG_URL)(kind, () => {
			let store: Store
			let cleanup: () => Promise<void>
			beforeAll(async () => {
				if (kind === 'sqlite') {
					const dir = tempDir()
					store = openSqliteStore({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
					cleanup = async () => rmSync(dir, { recursive: true, force: true })
				} else {
					const db = await createTestDatabase()
					store = await openPgStore(db.url, { migrate: true })
					cleanup = () => db.drop()
				}
			})
			afterAll(async () => {
				await store.close()
				await cleanup()
			})
			fn(() => store)
		})
	}
}

/** Runs one portable statement on either engine: fixtures for tables another repo owns. */
export async function exec(store: Store, text: string, params: (SqlValue | Uint8Array | null)[] = []): Promise<void> {
	const b = store.backend
	if (b.kind === 'sqlite') prepare(b.db, text).run(...params)
	else await b.pg.run(text, params)
}

/** Reads rows with one portable statement on either engine. */
export async function query<T>(store: Store, text: string, params: SqlValue[] = []): Promise<T[]> {
	const b = store.backend
	if (b.kind === 'sqlite') return prepare<T, SqlValue[]>(b.db, text).all(...params)
	return b.pg.all<T>(text, params)
}
