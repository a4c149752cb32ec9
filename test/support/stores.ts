import { rmSync } from 'node:fs'
import { openSqliteStore, type Store } from '../../src/store'
import { openPgStore } from '../../src/store-pg'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL } from './pg'

export type BackendKind = 'sqlite' | 'postgres'

/** A fresh, migrated store of its own: SQLite in a temp dir, PostgreSQL in a fresh database. */
export interface Opened {
	store: Store
	/** The PostgreSQL database URL (null on SQLite): a test may open a second pool on it. */
	url: string | null
	/** Another store on the same database, as a second instance opens it (SQLite: a second handle on the file). The caller closes it. */
	peer(): Promise<Store>
	/** Closes the store and removes the dir or drops the database. */
	close(): Promise<void>
}

export interface StoreOptions {
	/** PostgreSQL pool size (the store's default when unset). */
	poolSize?: number
	/** PostgreSQL: copy the database from a template with every migration applied instead of migrating an empty one. */
	migrated?: boolean
}

export async function openTestStore(kind: BackendKind, opts: StoreOptions = {}): Promise<Opened> {
	if (kind === 'sqlite') {
		const dir = tempDir('hookstream-conformance-')
		const open = () => openSqliteStore({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
		const store = open()
		return { store, url: null, peer: async () => open(), close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
	}
	const db = await createTestDatabase({ migrated: opts.migrated })
	const open = () => openPgStore(db.url, { migrate: true, ...(opts.poolSize ? { poolSize: opts.poolSize } : {}) })
	try {
		const store = await open()
		return { store, url: db.url, peer: open, close: async () => (await store.close(), await db.drop()) }
	} catch (err) {
		await db.drop()
		throw err
	}
}

/** The engines a conformance file runs on: SQLite always, PostgreSQL when HOOKSTREAM_TEST_DATABASE_URL is set. */
export const TEST_BACKENDS: readonly BackendKind[] = TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite']

export interface Backend {
	name: BackendKind
	open(): Promise<Opened>
}

/** Each engine of TEST_BACKENDS with the way to open its store. */
export function storeBackends(opts: StoreOptions = {}): Backend[] {
	return TEST_BACKENDS.map((name) => ({ name, open: () => openTestStore(name, opts) }))
}
