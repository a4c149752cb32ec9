import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { BACKEND } from '../support/pg'
import { rawSql } from '../support/raw-sql'

// PostgreSQL only: SQLite has one handle per process and no pool to size.
describe.skipIf(BACKEND !== 'postgres')('--database-pool-size', () => {
	let t: TestApp
	beforeAll(async () => {
		t = await makeTestApp({ 'database-pool-size': '2' })
	})
	afterAll(() => t.close())

	it('caps the connections one instance opens, however many requests are in flight', async () => {
		const sql = rawSql(t.ctx.store)
		// 40 concurrent reads, each holding its connection for 50 ms: a larger pool would open more backends.
		await Promise.all(Array.from({ length: 40 }, () => sql.all('SELECT pg_sleep(0.05)')))
		const row = await sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND query NOT ILIKE 'LISTEN%'")
		expect(row?.n).toBeGreaterThanOrEqual(1)
		expect(row?.n).toBeLessThanOrEqual(2)
	})
})
