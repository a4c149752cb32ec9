import type { SQLQueryBindings } from 'bun:sqlite'
import type { Store } from '../../src/store'

type Params = (string | number | null)[]

/** Rows of one portable statement (`$n` placeholders) on whichever engine the store runs: for tests that read what the API does not show. */
export async function storeRows<T>(store: Store, text: string, params: Params = []): Promise<T[]> {
	if (store.backend.kind === 'postgres') return store.backend.pg.all<T>(text, params)
	return store.backend.db.query<T, SQLQueryBindings[]>(text.replace(/\$(\d+)/g, '?$1')).all(...params)
}

/** Runs one portable statement on the store's engine (tests that set up a state the API cannot reach). */
export async function storeRun(store: Store, text: string, params: Params = []): Promise<void> {
	if (store.backend.kind === 'postgres') await store.backend.pg.run(text, params)
	else store.backend.db.query<unknown, SQLQueryBindings[]>(text.replace(/\$(\d+)/g, '?$1')).run(...params)
}
