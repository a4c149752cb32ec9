import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { NOT_COPIED, SQLITE_ONLY_COLUMNS } from '../../src/db/copy/sqlite-source'
import { connectPg } from '../../src/db/pg/client'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../support/pg'
import { ADMIN_KEY, api, answerPaths, BEARER, buildInstall, GITHUB_SECRET, type Install, serveArgs, signIn } from './migrate-to-pg-install'
import { run, SOURCE_CLI, startProcess } from './process'
import { type Received, Receiver } from './receiver'
import { signGithub } from './signers'

/**
 * Moving an SQLite install to PostgreSQL with one command (`hookstream migrate --to`), then
 * serving it from PostgreSQL with the install's key. PostgreSQL only: skipped unless
 * HOOKSTREAM_TEST_DATABASE_URL names a server. The refusals are migrate-to-pg-refusals.test.ts.
 */
let dir: string
let target: TestDatabase
let install: Install
let key: string
let rx: Receiver

beforeAll(async () => {
	if (!TEST_PG_URL) return
	dir = tempDir('hookstream-move-')
	rx = new Receiver()
	install = await buildInstall(dir, rx)
	key = readFileSync(join(dir, 'secret.key'), 'utf8').trim()
	target = await createTestDatabase()
}, 60000)

afterAll(async () => {
	await target?.drop()
	await rx?.stop()
	if (dir) rmSync(dir, { recursive: true, force: true })
})

type Row = Record<string, unknown>

/** One comparable form for both engines: bytes as hex, dates and booleans as SQLite stores them. */
function normal(value: unknown, pgType: string): unknown {
	if (value === null || value === undefined) return null
	if (value instanceof Uint8Array) return `hex:${Buffer.from(value).toString('hex')}`
	if (pgType === 'boolean') return value === true || value === 1 ? 1 : 0
	if (pgType === 'timestamp with time zone') return new Date(value as string).getTime()
	if (typeof value === 'string' && pgType === 'bytea') return `hex:${Buffer.from(value, 'utf8').toString('hex')}`
	return value
}

const sorted = (rows: Row[], types: Map<string, string>) =>
	rows.map((r) => JSON.stringify(Object.keys(r).sort().map((k) => [k, normal(r[k], types.get(k) ?? '')]))).sort()

describe.skipIf(!TEST_PG_URL)('hookstream migrate --to postgres://', () => {
	it('copies every table row for row and byte for byte, then refuses to copy into the same database again', async () => {
		const out = await run([...SOURCE_CLI, 'migrate', '--to', target.url, '--data-dir', dir])
		expect(out.stderr).toBe('')
		expect(out.code).toBe(0)
		expect(out.stdout).toContain('Checked before committing')
		expect(out.stdout).toContain(`HOOKSTREAM_ENCRYPTION_KEY="$(cat ${join(dir, 'secret.key')})"`)
		expect(out.stdout).not.toContain(key)

		const lite = new Database(join(dir, 'hookstream.db'), { readonly: true })
		const pg = connectPg(target.url, { max: 1 })
		try {
			const tables = lite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
			let compared = 0
			// SQLite's own bookkeeping (its migrations log, its list keys: derived from the ids) stays behind.
			for (const { name } of tables.filter((t) => !NOT_COPIED.has(t.name))) {
				const cols = await pg.all<{ column_name: string; data_type: string }>('SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1', [name])
				const types = new Map(cols.map((c) => [c.column_name, c.data_type]))
				const own = SQLITE_ONLY_COLUMNS[name] ?? []
				const mine = lite.query<Row, []>(`SELECT * FROM "${name}"`).all().map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !own.includes(k))))
				const theirs = await pg.all<Row>(`SELECT * FROM "${name}"`)
				expect({ name, rows: sorted(theirs, types) }).toEqual({ name, rows: sorted(mine, types) })
				compared += mine.length
			}
			// The install is not trivially small: every kind of row the API made is in the comparison.
			for (const t of ['events', 'event_payloads', 'deliveries', 'delivery_attempts', 'user', 'account', 'session', 'member', 'notification_channels']) {
				const n = (await pg.get<{ n: number }>(`SELECT COUNT(*) AS n FROM "${t}"`))?.n ?? 0
				expect({ t, copied: n > 0 }).toEqual({ t, copied: true })
			}
			expect(compared).toBeGreaterThan(20)
		} finally {
			lite.close()
			await pg.close()
		}

		const again = await run([...SOURCE_CLI, 'migrate', '--to', target.url, '--data-dir', dir])
		expect(again.code).toBe(2)
		expect(again.stderr).toContain('the target database already holds data (')
		expect(again.stderr).not.toContain('    at ')
	}, 60000)

	it('an instance on PostgreSQL with the install\'s key serves the moved install', async () => {
		const pgDir = tempDir('hookstream-moved-')
		const server = await startProcess(serveArgs(pgDir, ['--database-url', target.url, '--encryption-key', key]))
		try {
			const call = api(server.url)
			// The same answers as on SQLite (ids, counters, masked secrets, bodies, attempts).
			for (const path of answerPaths(install)) {
				const res = await call('GET', path)
				expect({ path, status: res.status, json: res.json }).toEqual({ path, status: 200, json: install.answers.get(path) })
			}
			for (const [id, body] of install.bodies) {
				const raw = await fetch(`${server.url}/v1/events/${id}/raw`, { headers: { 'x-api-key': ADMIN_KEY } })
				expect(raw.status).toBe(200)
				expect(Buffer.from(await raw.arrayBuffer()).equals(Buffer.from(body))).toBe(true)
			}
			// The sealed secret still verifies: a correctly signed webhook is taken, a forged one is not.
			const signed = await signGithub(GITHUB_SECRET, `${server.url}/v1/ingest/${install.signedSourceId}`)
			expect((await fetch(signed.url, { method: 'POST', headers: signed.headers, body: signed.body })).status).toBe(200)
			const forged = await signGithub('not the secret', `${server.url}/v1/ingest/${install.signedSourceId}`)
			expect((await fetch(forged.url, { method: 'POST', headers: forged.headers, body: forged.body })).status).toBe(401)
			// The destination's sealed credentials still open: a new event is delivered with them.
			const before = rx.received.length
			const fresh = await fetch(`${server.url}/v1/ingest/${install.plainSourceId}`, { method: 'POST', body: '{"after":"the move"}' })
			expect(fresh.status).toBe(200)
			let delivered: Received | undefined
			for (let n = before + 1; !delivered; n++) delivered = (await rx.waitFor(n)).slice(before).find((r) => r.body === '{"after":"the move"}')
			expect(delivered.headers.authorization).toBe(`Bearer ${BEARER}`)
			// The owner signs in with the same password, and the session opened on SQLite is still valid.
			expect((await signIn(server.url)).status).toBe(200)
			const me = await fetch(`${server.url}/v1/me`, { headers: { cookie: install.cookie } })
			expect(me.status).toBe(200)
		} finally {
			await server.stop()
			rmSync(pgDir, { recursive: true, force: true })
		}
	}, 60000)
})
