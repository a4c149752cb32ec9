import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { connectPg, type Pg } from '../../src/db/pg/client'
import { isRetryableAbort, retryTransaction } from '../../src/db/pg/read-retry'
import { BACKEND, createTestDatabase, type TestDatabase } from '../support/pg'

// A deadlock needs two PostgreSQL transactions; SQLite has one writer and never deadlocks.
describe.skipIf(BACKEND !== 'postgres')('retryTransaction on PostgreSQL', () => {
	let db: TestDatabase
	let pg: Pg
	beforeAll(async () => {
		db = await createTestDatabase()
		pg = connectPg(db.url, { max: 4 })
		await pg.run('CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL)')
		await pg.run('INSERT INTO t VALUES (1, 0), (2, 0)')
	})
	afterAll(async () => {
		await pg.close()
		await db.drop()
	})

	/** Locks row `first`, waits until the other transaction holds its first row, then locks `second`. */
	const crossing = (first: number, second: number, mine: { held: () => void }, theirs: Promise<void>) => () =>
		pg.tx(async (q) => {
			await q.run('UPDATE t SET n = n + 1 WHERE id = $1', [first])
			mine.held()
			await theirs
			await q.run('UPDATE t SET n = n + 1 WHERE id = $1', [second])
		})

	it('two transactions taking rows in opposite orders: one is the deadlock victim, and with the retry both commit', async () => {
		const gate = () => {
			let held!: () => void
			const p = new Promise<void>((r) => {
				held = r
			})
			return { held, p }
		}
		// Without the retry: exactly one of the pair fails with 40P01.
		const [a, b] = [gate(), gate()]
		const bare = await Promise.allSettled([crossing(1, 2, a, b.p)(), crossing(2, 1, b, a.p)()])
		const failures = bare.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]
		expect(failures).toHaveLength(1)
		expect(isRetryableAbort(failures[0]?.reason)).toBe(true)
		await pg.run('UPDATE t SET n = 0')
		// With it: the victim runs again once the other has committed.
		const [c, d] = [gate(), gate()]
		const retried = await Promise.allSettled([retryTransaction(crossing(1, 2, c, d.p)), retryTransaction(crossing(2, 1, d, c.p))])
		expect(retried.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled'])
		expect(await pg.all('SELECT id, n FROM t ORDER BY id')).toEqual([{ id: 1, n: 2 }, { id: 2, n: 2 }])
	}, 20_000)
})
