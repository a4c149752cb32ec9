import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, it } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copySqliteToPg } from '../../src/db/copy/copy'
import { openSqliteSource } from '../../src/db/copy/sqlite-source'
import { MIGRATIONS } from '../../src/db/migrate'
import { openDatabase } from '../../src/db/open'
import { connectPg, type Pg } from '../../src/db/pg/client'
import { migratePg } from '../../src/db/pg/migrate'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../support/pg'
import { run, SOURCE_CLI, startProcess } from './process'

/**
 * The copy below the CLI, on tables no migration has (yet): identity columns, a PostgreSQL
 * constraint the data breaks, bodies larger than one INSERT's byte budget; and the command on the
 * data dir of a server killed with events still in its WAL, and on one an older build wrote.
 * PostgreSQL only.
 */
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
	for (const c of cleanups.splice(0).reverse()) await c()
})

/** A migrated SQLite data dir with `sql` run in it, and a fresh PostgreSQL database migrated, with `pgSql` run in it. */
async function pair(sql: string, pgSql: string): Promise<{ dir: string; pg: Pg; db: TestDatabase }> {
	const dir = tempDir('hookstream-copy-')
	const lite = openDatabase({ dataDir: dir, synchronous: 'NORMAL', migrate: true })
	lite.run(sql)
	lite.close()
	const db = await createTestDatabase()
	const pg = connectPg(db.url, { max: 2 })
	await migratePg(pg)
	await pg.run(pgSql)
	cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => db.drop(), () => pg.close())
	return { dir, pg, db }
}

async function copy(dir: string, pg: Pg) {
	const source = openSqliteSource(dir)
	try {
		return await copySqliteToPg(source, pg)
	} finally {
		source.close()
	}
}

const ADMIN_KEY = `hs_live_${'12'.repeat(32)}`
const ORG = "INSERT INTO organizations (id, name, created_at) VALUES ('org_1', 'Acme', 1);"

describe.skipIf(!TEST_PG_URL)('copySqliteToPg', () => {
	it('explicit ids go into an identity column, and its sequence continues after them; NUL in text is reported', async () => {
		const { dir, pg } = await pair(
			`${ORG} CREATE TABLE probe (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO probe VALUES (5, 'a' || char(0) || 'b'), (9, 'c');`,
			'CREATE TABLE probe (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v TEXT); CREATE TABLE pg_side (x TEXT)'
		)
		const report = await copy(dir, pg)
		expect(report.tables.find((t) => t.table === 'probe')?.rows).toBe(2)
		expect(report.pgOnly).toEqual(['pg_side'])
		expect(report.nulReplaced).toBe(1)
		expect(await pg.all('SELECT id, v FROM probe ORDER BY id')).toEqual([{ id: 5, v: 'a\uFFFDb' }, { id: 9, v: 'c' }])
		expect(await pg.get("INSERT INTO probe (v) VALUES ('next') RETURNING id")).toEqual({ id: 10 })
	})

	it('a row PostgreSQL refuses rolls the whole copy back; once fixed, the same command copies everything', async () => {
		const { dir, pg } = await pair(
			`${ORG} CREATE TABLE checked (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO checked VALUES (1, 1), (2, 99);`,
			'CREATE TABLE checked (id BIGINT PRIMARY KEY, n BIGINT CHECK (n < 10))'
		)
		await expect(copy(dir, pg)).rejects.toThrow('checked_n_check')
		expect(await pg.get('SELECT COUNT(*) AS n FROM organizations')).toEqual({ n: 0 })
		const lite = openDatabase({ dataDir: dir, synchronous: 'NORMAL', migrate: false })
		lite.run('UPDATE checked SET n = 9 WHERE id = 2')
		lite.close()
		const report = await copy(dir, pg)
		expect(report.tables.filter((t) => t.rows > 0).map((t) => t.table).sort()).toEqual(['checked', 'organizations'])
	})

	it('bodies larger than one INSERT\'s byte budget arrive whole', async () => {
		const bodies = [0, 1, 2].map(() => randomBytes(5 * 1024 * 1024).toString('hex'))
		const { dir, pg } = await pair(
			`INSERT INTO event_payloads (event_id, body) VALUES ${bodies.map((b, i) => `('evt_${i}', X'${b}')`).join(', ')};`,
			'SELECT 1'
		)
		await copy(dir, pg)
		const rows = await pg.all<{ event_id: string; body: Uint8Array }>('SELECT event_id, body FROM event_payloads ORDER BY event_id')
		expect(rows.map((r) => Buffer.from(r.body).toString('hex'))).toEqual(bodies)
	}, 30000)
})

describe.skipIf(!TEST_PG_URL)('migrate --to after kill -9', () => {
	it('events still only in the WAL of a killed server are copied, with the dedup keys it held in memory and its log', async () => {
		const dir = tempDir('hookstream-copy-wal-')
		const target = await createTestDatabase()
		cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => target.drop())
		const server = await startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log'], { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY })
		const res = await fetch(`${server.url}/v1/sources`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' }, body: '{"name":"s","slug":"s","dedup_enabled":true,"dedup_strategy":"payload_hash"}' })
		const sourceId = ((await res.json()) as { source: { id: string } }).source.id
		for (let i = 0; i < 50; i++) expect((await fetch(`${server.url}/v1/ingest/${sourceId}`, { method: 'POST', body: `{"i":${i}}` })).status).toBe(200)
		server.proc.kill('SIGKILL')
		await server.proc.exited
		expect(statSync(join(dir, 'hookstream.db-wal')).size).toBeGreaterThan(0)
		const out = await run([...SOURCE_CLI, 'migrate', '--to', target.url, '--data-dir', dir])
		expect(out.code).toBe(0)
		const pg = connectPg(target.url, { max: 1 })
		cleanups.push(() => pg.close())
		expect(await pg.get('SELECT COUNT(*) AS n FROM events WHERE source_id = $1', [sourceId])).toEqual({ n: 50 })
		// PostgreSQL has no dedup_log: the copy folds it into dedup_keys (one key per distinct body here).
		expect(await pg.get('SELECT COUNT(*) AS n FROM dedup_keys WHERE source_id = $1', [sourceId])).toEqual({ n: 50 })
	}, 30000)
})

describe.skipIf(!TEST_PG_URL)('migrate --to on an install an older build wrote', () => {
	it('applies the SQLite migrations it lacks first, as serve would, then copies', async () => {
		const dir = tempDir('hookstream-copy-old-')
		const target = await createTestDatabase()
		cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => target.drop())
		const old = new Database(join(dir, 'hookstream.db'), { create: true })
		old.run('PRAGMA journal_mode = WAL')
		old.run('CREATE TABLE _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
		for (const m of MIGRATIONS.slice(0, 3)) {
			old.run(m.sql)
			old.query('INSERT INTO _migrations VALUES (?1, ?2, 1)').run(m.version, m.name)
		}
		old.run(ORG)
		old.close()
		writeFileSync(join(dir, 'secret.key'), randomBytes(32).toString('base64'))
		const out = await run([...SOURCE_CLI, 'migrate', '--to', target.url, '--data-dir', dir])
		expect(out.stderr).toBe('')
		expect(out.stdout).toContain(`first received ${MIGRATIONS.length - 3} pending SQLite migrations`)
		const pg = connectPg(target.url, { max: 1 })
		cleanups.push(() => pg.close())
		expect(await pg.all('SELECT id, name FROM organizations')).toEqual([{ id: 'org_1', name: 'Acme' }])
	}, 30000)
})
