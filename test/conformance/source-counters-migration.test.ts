import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_TENANCY } from '../../src/auth/service'
import { DB_FILE } from '../../src/db/open'
import { connectPg } from '../../src/db/pg/client'
import { newId } from '../../src/lib/ids'
import { makeTestApp, type TestApp, tempDir } from '../helpers'
import { createTestDatabase, TEST_ENCRYPTION_KEY, TEST_PG_URL } from '../support/pg'
import { pgSchemaBefore, sqliteSchemaBefore } from '../support/schema-before'
import { prepare } from '../../src/db/sql'

/**
 * Migration 17 (PostgreSQL 6) moves a source's ingest counters from its sources row to its
 * event_totals row. A database written by the schema before it, with counts, answers the
 * source API the same after the upgrade, keeps counting, and keeps its answers across a restart.
 */

const T1 = Date.parse('2026-03-01T10:00:00.000Z')
const T2 = Date.parse('2026-03-02T11:30:00.000Z')
// Real ids: ingest routes only ids of the source id shape.
const COUNTED = newId('src')
const UNTOTALLED = newId('src')
const QUIET = newId('src')

/** Runs SQL with $n parameters on the database before the app opens it. */
interface OldDatabase {
	run(text: string, params?: unknown[]): Promise<void>
	close(): Promise<void>
}

interface Engine {
	name: string
	/** An empty database at the schema before the counters moved, and the app flags that open it. */
	create(): Promise<{ old: OldDatabase; flags: Record<string, string>; drop(): Promise<void> }>
}

const SQLITE: Engine = {
	name: 'sqlite',
	async create() {
		const dir = tempDir()
		const db = new Database(join(dir, DB_FILE), { create: true, strict: true })
		sqliteSchemaBefore(db, 17)
		const old: OldDatabase = {
			async run(text, params = []) {
				prepare(db, text).run(...(params as never[]))
			},
			async close() {
				db.close()
			}
		}
		return { old, flags: { 'data-dir': dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) }
	}
}

const POSTGRES: Engine = {
	name: 'postgres',
	async create() {
		const database = await createTestDatabase()
		const pg = connectPg(database.url, { max: 1 })
		await pgSchemaBefore(pg, 6)
		const old: OldDatabase = { run: async (text, params = []) => void (await pg.run(text, params)), close: () => pg.close() }
		return { old, flags: { 'database-url': database.url, 'encryption-key': TEST_ENCRYPTION_KEY }, drop: () => database.drop() }
	}
}

// Like every test app: SQLite, or PostgreSQL in the conformance run (HOOKSTREAM_TEST_DATABASE_URL).
const engine = TEST_PG_URL ? POSTGRES : SQLITE

/** The default organization and environment (adopted by the app by slug), three sources and the events still stored. */
async function seedOld(old: OldDatabase): Promise<void> {
	await old.run('INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)', ['org_old', DEFAULT_TENANCY.org, T1])
	await old.run('INSERT INTO "organization" ("id", "name", "slug", "createdAt") VALUES ($1, $2, $1, $3)', ['org_old', DEFAULT_TENANCY.org, new Date(T1).toISOString()])
	await old.run('INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ($1, $2, $3, $4, $5)', ['env_old', 'org_old', DEFAULT_TENANCY.env, DEFAULT_TENANCY.envSlug, T1])
	const sources: [string, number, number | null][] = [
		[COUNTED, 5, T1], // 5 received, 2 of them since removed by retention
		[UNTOTALLED, 7, T2], // counted, but no event_totals row (its events were gone before totals existed)
		[QUIET, 0, null]
	]
	for (const [id, count, last] of sources) {
		await old.run(
			'INSERT INTO sources (id, org_id, env_id, slug, name, event_count, last_event_at, created_at, updated_at) VALUES ($1, $2, $3, $1, $1, $4, $5, $6, $6)',
			[id, 'org_old', 'env_old', count, last, T1]
		)
	}
	for (const n of [1, 2, 3]) {
		await old.run(
			`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
			 VALUES ($1, $2, $3, $4, 'POST', '{}', 0, 'skipped', 'unique', 'no_route', $5)`,
			[`evt_old_${n}`, 'org_old', 'env_old', COUNTED, T1 - 10 + n]
		)
	}
	await old.run('INSERT INTO event_totals (source_id, env_id, stored) VALUES ($1, $2, $3)', [COUNTED, 'env_old', 3])
}

interface Counters { id: string; event_count: number; last_event_at: string | null }

async function counters(t: TestApp, id: string): Promise<Counters> {
	const res = await t.call('GET', `/v1/sources/${id}`)
	expect(res.status).toBe(200)
	const { source } = (await res.json()) as { source: Counters }
	return { id: source.id, event_count: source.event_count, last_event_at: source.last_event_at }
}

async function listed(t: TestApp): Promise<Counters[]> {
	const res = await t.call('GET', '/v1/sources?limit=100')
	expect(res.status).toBe(200)
	const { sources } = (await res.json()) as { sources: Counters[] }
	return sources.map((s) => ({ id: s.id, event_count: s.event_count, last_event_at: s.last_event_at })).sort(byId)
}

const byId = (a: Counters, b: Counters) => a.id.localeCompare(b.id)
const BEFORE: Counters[] = [
	{ id: COUNTED, event_count: 5, last_event_at: new Date(T1).toISOString() },
	{ id: UNTOTALLED, event_count: 7, last_event_at: new Date(T2).toISOString() },
	{ id: QUIET, event_count: 0, last_event_at: null }
]

describe(`source counters move to event_totals (${engine.name})`, () => {
	const cleanup: (() => Promise<void>)[] = []
	afterAll(async () => {
		for (const c of cleanup.reverse()) await c()
	})

	it('an upgraded database answers as before, keeps counting and keeps its answers across a restart', async () => {
		const { old, flags, drop } = await engine.create()
		cleanup.push(drop)
		await seedOld(old)
		await old.close()

		let t = await makeTestApp(flags)
		cleanup.push(() => t.close())
		for (const c of BEFORE) expect(await counters(t, c.id)).toEqual(c)
		expect(await listed(t)).toEqual([...BEFORE].sort(byId))
		// The stored total is untouched: retention's count is not the received count.
		const page = (await (await t.call('GET', `/v1/events?source_id=${COUNTED}`)).json()) as { pagination: { total: number } }
		expect(page.pagination.total).toBe(3)

		const before = Date.now()
		const ingested = await t.call('POST', `/v1/ingest/${QUIET}`, { body: { n: 1 }, key: null })
		expect(ingested.status).toBe(200)
		const quiet = await counters(t, QUIET)
		expect(quiet.event_count).toBe(1)
		expect(Date.parse(quiet.last_event_at as string)).toBeGreaterThanOrEqual(before)
		expect(await counters(t, COUNTED)).toEqual(BEFORE[0] as Counters)
		const after = [BEFORE[0] as Counters, BEFORE[1] as Counters, quiet].sort(byId)

		await t.close()
		t = await makeTestApp(flags)
		expect(await listed(t)).toEqual(after)
		for (const c of after) expect(await counters(t, c.id)).toEqual(c)
	})
})
