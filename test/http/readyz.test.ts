import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { rawSql } from '../support/raw-sql'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

describe('/readyz', () => {
	it('answers 503 not_ready while a migration is missing, 200 again once it is recorded', async () => {
		expect((await t.call('GET', '/readyz', { key: null })).status).toBe(200)
		// Deleting the last migration's row plays a database left half-migrated (e.g. an interrupted upgrade).
		const db = rawSql(t.ctx.store)
		const last = await db.get<{ version: number; name: string; applied_at: number }>('SELECT * FROM _migrations ORDER BY version DESC LIMIT 1')
		if (!last) throw new Error('no migrations recorded')
		await db.run('DELETE FROM _migrations WHERE version = $1', [last.version])
		try {
			const res = await t.call('GET', '/readyz', { key: null })
			expect(res.status).toBe(503)
			expect(await res.json()).toEqual({ status: 'not_ready' })
			// Liveness is not readiness: the process is still up.
			expect((await t.call('GET', '/healthz', { key: null })).status).toBe(200)
		} finally {
			await db.run('INSERT INTO _migrations (version, name, applied_at) VALUES ($1, $2, $3)', [last.version, last.name, last.applied_at])
		}
		expect((await t.call('GET', '/readyz', { key: null })).status).toBe(200)
	})
})
