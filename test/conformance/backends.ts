import { afterAll, beforeAll, describe } from 'bun:test'
import type { Store } from '../../src/store'
import { type BackendKind, type Opened, openTestStore, TEST_BACKENDS } from '../support/stores'

export type { BackendKind }

/** What a conformance block gets: the engine it runs on and a fresh, migrated store. */
export interface BackendFixture {
	readonly kind: BackendKind
	/** The block's store (opened in beforeAll; reading it earlier throws). */
	readonly store: Store
	/**
	 * Another store on the same database, as a second instance would open it (SQLite: a second
	 * handle on the same file; PostgreSQL: a second pool). Closed with the block.
	 */
	openPeer(): Promise<Store>
}

/**
 * Runs a describe block once per engine, each with its own fresh store: SQLite in a temp dir
 * always, PostgreSQL on a fresh database when HOOKSTREAM_TEST_DATABASE_URL is set (`npm test`'s
 * second half sets it; test/run-pg.ts). The store is closed and the dir or database removed after.
 *
 *   forEachBackend('sources repo', (b) => {
 *     test('insert then find', async () => { await b.store.sources.insert(…) })
 *   })
 */
export function forEachBackend(title: string, fn: (backend: BackendFixture) => void): void {
	for (const kind of ['sqlite', 'postgres'] as const) {
		describe.skipIf(!TEST_BACKENDS.includes(kind))(`${title} [${kind}]`, () => {
			let opened: Opened | null = null
			const peers: Store[] = []
			const fixture: BackendFixture = {
				kind,
				get store() {
					if (!opened) throw new Error(`the ${kind} store is opened in beforeAll: use it inside a test or hook`)
					return opened.store
				},
				async openPeer() {
					if (!opened) throw new Error(`the ${kind} store is opened in beforeAll: use it inside a test or hook`)
					const peer = await opened.peer()
					peers.push(peer)
					return peer
				}
			}
			beforeAll(async () => {
				opened = await openTestStore(kind, { migrated: true })
			})
			afterAll(async () => {
				for (const peer of peers.splice(0)) await peer.close()
				await opened?.close()
				opened = null
			})
			fn(fixture)
		})
	}
}
