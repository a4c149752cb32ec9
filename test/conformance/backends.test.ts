import { describe, expect, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { connectPg } from '../../src/db/pg/client'
import { PG_MIGRATIONS } from '../../src/db/pg/migrate'
import { createTestDatabase, TEST_PG_URL } from '../support/pg'
import { rawSql } from '../support/raw-sql'
import { forEachBackend } from './backends'

/** Where each block's data lived, to check after the blocks that it is gone. */
const places: { sqlite?: string; postgres?: string } = {}

forEachBackend('the conformance fixture', (b) => {
	test('opens a fresh, migrated store on its engine', async () => {
		expect(b.store.backend.kind).toBe(b.kind)
		expect(await b.store.ready()).toBe(true)
		expect(await rawSql(b.store).all('SELECT id FROM organizations')).toEqual([])
		places[b.kind] = b.store.backend.kind === 'sqlite' ? (b.store.backend.db.filename as string) : b.store.backend.pg.url
	})

	test('a peer store sees the same database, as a second instance would', async () => {
		await rawSql(b.store).run('INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)', ['org_fixture', 'Fixture', 1])
		const peer = await b.openPeer()
		expect(peer).not.toBe(b.store)
		expect(await rawSql(peer).all('SELECT id, name FROM organizations')).toEqual([{ id: 'org_fixture', name: 'Fixture' }])
	})
})

describe('after the blocks', () => {
	test('the SQLite dir is removed', () => {
		expect(places.sqlite).toBeString()
		expect(existsSync(places.sqlite as string)).toBe(false)
	})

	test.skipIf(!TEST_PG_URL)('the PostgreSQL database is dropped', async () => {
		expect(places.postgres).toBeString()
		const name = new URL(places.postgres as string).pathname.slice(1)
		const admin = connectPg(TEST_PG_URL as string, { max: 1 })
		try {
			expect(await admin.all('SELECT datname FROM pg_database WHERE datname = $1', [name])).toEqual([])
		} finally {
			await admin.close()
		}
	})
})

describe.skipIf(!TEST_PG_URL)('test databases on the PostgreSQL server', () => {
	test('are empty by default, and copies of a fully migrated template when asked', async () => {
		const tables = async (url: string) => {
			const pg = connectPg(url, { max: 1 })
			try {
				const migrations = await pg.get<{ n: number }>("SELECT COUNT(*) AS n FROM pg_tables WHERE tablename = '_migrations'")
				return migrations?.n ? (await pg.all<{ version: number }>('SELECT version FROM _migrations ORDER BY version')).map((r) => r.version) : null
			} finally {
				await pg.close()
			}
		}
		const empty = await createTestDatabase()
		const migrated = await createTestDatabase({ migrated: true })
		try {
			expect(await tables(empty.url)).toBeNull()
			expect(await tables(migrated.url)).toEqual(PG_MIGRATIONS.map((m) => m.version))
		} finally {
			await empty.drop()
			await migrated.drop()
		}
	})
})
