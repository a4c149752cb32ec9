import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Kysely, sql } from 'kysely'
import { BunSqlDialect } from '../../src/accounts/kysely-bun-sql'
import { connectPg, type Pg } from '../../src/db/pg/client'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../support/pg'

/** The Kysely driver Better Auth runs on over Bun.SQL (PostgreSQL only: SQLite uses Better Auth's own dialect). */
interface Row {
	id: number
	name: string
	at: Date | null
}

describe.skipIf(!TEST_PG_URL)('Kysely over Bun.SQL', () => {
	let database: TestDatabase
	let pg: Pg
	let db: Kysely<{ t: Row }>
	beforeAll(async () => {
		database = await createTestDatabase()
		// Two connections: a leaked reservation would hang the loops below.
		pg = connectPg(database.url, { max: 2 })
		await pg.run('CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL, at TIMESTAMPTZ)')
		db = new Kysely({ dialect: new BunSqlDialect(pg.sql) })
	})
	afterAll(async () => {
		await db?.destroy()
		await pg?.close()
		await database?.drop()
	})

	test('queries: rows back, rows changed counted, dates as Date', async () => {
		const at = new Date('2026-03-01T10:00:00.123Z')
		const ins = await db.insertInto('t').values([{ id: 1, name: 'a', at }, { id: 2, name: 'b', at: null }]).executeTakeFirst()
		expect(ins.numInsertedOrUpdatedRows).toBe(2n)
		const upd = await db.updateTable('t').set({ name: 'B' }).where('id', '=', 2).executeTakeFirst()
		expect(upd.numUpdatedRows).toBe(1n)
		expect(await db.selectFrom('t').select(['name', 'at']).orderBy('id').execute()).toEqual([{ name: 'a', at }, { name: 'B', at: null }])
		const del = await db.deleteFrom('t').where('id', '=', 99).executeTakeFirst()
		expect(del.numDeletedRows).toBe(0n)
	})

	test('a committed transaction is seen; until then only inside it', async () => {
		await db.transaction().execute(async (tx) => {
			await tx.insertInto('t').values({ id: 10, name: 'tx', at: null }).execute()
			expect(await tx.selectFrom('t').select('id').where('id', '=', 10).execute()).toEqual([{ id: 10 }])
			// The pool's other connection does not see it yet: the transaction has its own connection.
			expect(await pg.all('SELECT id FROM t WHERE id = 10')).toEqual([])
		})
		expect(await pg.all('SELECT id FROM t WHERE id = 10')).toEqual([{ id: 10 }])
	})

	test('a throwing transaction is rolled back and the error passes through', async () => {
		const failed = db.transaction().execute(async (tx) => {
			await tx.insertInto('t').values({ id: 20, name: 'gone', at: null }).execute()
			throw new Error('boom')
		})
		await expect(failed).rejects.toThrow('boom')
		expect(await pg.all('SELECT id FROM t WHERE id = 20')).toEqual([])
	})

	test('a failed statement inside a transaction fails the whole transaction', async () => {
		const failed = db.transaction().execute(async (tx) => {
			await tx.insertInto('t').values({ id: 30, name: 'first', at: null }).execute()
			await tx.insertInto('t').values({ id: 30, name: 'duplicate', at: null }).execute()
		})
		await expect(failed).rejects.toThrow()
		expect(await pg.all('SELECT id FROM t WHERE id = 30')).toEqual([])
	})

	test('committing after a swallowed error reports the rollback instead of success', async () => {
		const failed = db.transaction().execute(async (tx) => {
			await tx.insertInto('t').values({ id: 40, name: 'x', at: null }).execute()
			await sql`SELECT 1 / 0`.execute(tx).catch(() => {})
		})
		await expect(failed).rejects.toThrow('rolled back')
		expect(await pg.all('SELECT id FROM t WHERE id = 40')).toEqual([])
	})

	test('every transaction gives its connection back (more transactions than connections, some failing)', async () => {
		const runs = Array.from({ length: 20 }, (_, i) =>
			db.transaction().execute(async (tx) => {
				await tx.insertInto('t').values({ id: 100 + i, name: `n${i}`, at: null }).execute()
				if (i % 3 === 0) throw new Error('odd one out')
			})
		)
		const results = await Promise.allSettled(runs)
		expect(results.filter((r) => r.status === 'rejected').length).toBe(7)
		expect(await pg.get('SELECT COUNT(*) AS n FROM t WHERE id >= 100')).toEqual({ n: 13 })
		expect(await db.selectFrom('t').select('id').where('id', '=', 101).execute()).toEqual([{ id: 101 }])
	})
})
