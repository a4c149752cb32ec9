import { prepare, type SqlValue } from '../../src/db/sql'
import type { Store } from '../../src/store'
import { forEachBackend as eachBackend } from './backends'

/** The older call shape of backends.ts's forEachBackend (no title; the store as a getter). */
export function forEachBackend(fn: (store: () => Store) => void): void {
	eachBackend('repos', (backend) => fn(() => backend.store))
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
