import { afterAll, beforeAll, describe } from 'bun:test'
import { rmSync } from 'node:fs'
import { openSqliteStore, type Store } from '../../src/store'
import { openPgStore } from '../../src/store-pg'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL } from '../support/pg'

/** What a block gets: its engine and a fresh, migrated store (the shape of pg-ci's backends.ts). */
export interface BackendFixture {
	readonly kind: 'sqlite' | 'postgres'
	readonly store: Store
}

/**
 * Runs `fn`'s tests once per engine on a fresh store: SQLite in a temp dir, and PostgreSQL
 * on a fresh database when HOOKSTREAM_TEST_DATABASE_URL is set. A stand-in with the same
 * signature as test/conformance/backends.ts (helper pg-ci) until that lands on main.
 */
export function forEachBackend(title: string, fn: (backend: BackendFixture) => void): void {
	for (const kind of ['sqlite', 'postgres'] as const) {
		describe.skipIf(kind === 'postgres' && !TEST_PG_URL)(`${title} [${kind}]`, () => {
			let store: Store | null = null
			let cleanup: () => Promise<void> = async () => {}
			beforeAll(async () => {
				if (kind === 'sqlite') {
					const dir = tempDir()
					store = openSqliteStore({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
					cleanup = async () => rmSync(dir, { recursive: true, force: true })
				} else {
					const db = await createTestDatabase()
					cleanup = () => db.drop()
					store = await openPgStore(db.url, { migrate: true })
				}
			})
			afterAll(async () => {
				await store?.close()
				await cleanup()
			})
			fn({
				kind,
				get store() {
					if (!store) throw new Error('the store is opened in beforeAll: use it inside a test or hook')
					return store
				}
			})
		})
	}
}
