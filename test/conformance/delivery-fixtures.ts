import { rmSync } from 'node:fs'
import { newId } from '../../src/lib/ids'
import { openSqliteStore, type Store } from '../../src/store'
import { openPgStore } from '../../src/store-pg'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL } from '../support/pg'
import { keyRawEvents, writesEvents } from '../support/raw-sql'

/** Both engines for the delivery and replay conformance tests: PostgreSQL when HOOKSTREAM_TEST_DATABASE_URL is set. */
export const BACKENDS: { name: string; open: () => Promise<{ store: Store; close: () => Promise<void> }> }[] = [
	{
		name: 'sqlite',
		async open() {
			const dir = tempDir('hookstream-conf-')
			const store = openSqliteStore({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
			return { store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
		}
	},
	...(TEST_PG_URL
		? [{
				name: 'postgres',
				async open() {
					const db = await createTestDatabase()
					const store = await openPgStore(db.url, { migrate: true })
					return { store, close: async () => (await store.close(), await db.drop()) }
				}
			}]
		: [])
]

/** Raw SQL on either engine, for seeding rows other repos own (`$n` placeholders). */
export async function exec(store: Store, text: string, params: (string | number | null)[] = []): Promise<void> {
	if (store.backend.kind === 'postgres') await store.backend.pg.run(text, params)
	else {
		store.backend.db.query(text.replace(/\$(\d+)/g, '?$1')).run(...params)
		if (writesEvents(text)) keyRawEvents(store.backend.db)
	}
}

export async function rows<T>(store: Store, text: string, params: (string | number | null)[] = []): Promise<T[]> {
	if (store.backend.kind === 'postgres') return store.backend.pg.all<T>(text, params)
	return store.backend.db.query(text.replace(/\$(\d+)/g, '?$1')).all(...params) as T[]
}

export const ORG = 'org_conformance'
export const ENV = 'env_conformance'

export async function seedTenant(store: Store): Promise<void> {
	await exec(store, 'INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, 1)', [ORG, 'Conformance'])
	await exec(store, 'INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ($1, $2, $3, $4, 1)', [ENV, ORG, 'Default', 'default'])
}

export async function destination(store: Store): Promise<string> {
	const id = newId('dst')
	await exec(store, 'INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES ($1, $2, $3, $1, $1, $4, 1, 1)', [id, ORG, ENV, 'http://127.0.0.1:1/'])
	return id
}

/** An event with one queued delivery per destination; returns the event id and delivery ids. */
export async function event(store: Store, destinations: string[], dueAt: number): Promise<{ eventId: string; deliveries: string[] }> {
	const eventId = newId('evt')
	await exec(store, `INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
		VALUES ($1, $2, $3, 'src_x', 'POST', '{}', 0, 'skipped', 'unique', 'pending', $4)`, [eventId, ORG, ENV, dueAt])
	const deliveries: string[] = []
	for (const d of destinations) {
		const id = newId('dlv')
		await exec(store, `INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'conn_x', $5, 'queued', 0, $6, 'initial', $6, $6)`, [id, ORG, ENV, eventId, d, dueAt])
		deliveries.push(id)
	}
	return { eventId, deliveries }
}
