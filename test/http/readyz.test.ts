import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

describe('/readyz', () => {
	it('answers 503 not_ready while a migration is missing, 200 again once it is recorded', async () => {
		expect((await t.call('GET', '/readyz', { key: null })).status).toBe(200)
		// A second connection plays a database left half-migrated (e.g. an interrupted upgrade).
		const db = new Database(join(t.dir, 'hookstream.db'))
		db.run('PRAGMA busy_timeout = 5000')
		const last = db.query<{ version: number; name: string; applied_at: number }, []>('SELECT * FROM _migrations ORDER BY version DESC LIMIT 1').get()
		if (!last) throw new Error('no migrations recorded')
		db.query('DELETE FROM _migrations WHERE version = ?1').run(last.version)
		try {
			const res = await t.call('GET', '/readyz', { key: null })
			expect(res.status).toBe(503)
			expect(await res.json()).toEqual({ status: 'not_ready' })
			// Liveness is not readiness: the process is still up.
			expect((await t.call('GET', '/healthz', { key: null })).status).toBe(200)
		} finally {
			db.query('INSERT INTO _migrations (version, name, applied_at) VALUES (?1, ?2, ?3)').run(last.version, last.name, last.applied_at)
			db.close()
		}
		expect((await t.call('GET', '/readyz', { key: null })).status).toBe(200)
	})
})
