import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { ID_ORDER, SEQ_ORDER } from '../../src/events/order-sql'
import { createEventQueries } from '../../src/events/queries'
import { byIdQuery, countQuery, listQuery, toDeliverQuery } from '../../src/events/repo-sql'
import { openSqliteStore, sqliteOf } from '../../src/store'
import { tempDir } from '../helpers'
import { idFloorAt, newId } from '../../src/lib/ids'
import type { Seek } from '../../src/lib/pagination'
import { eventsAfterQuery } from '../../src/live/repo-sql'
import { candidatesQuery } from '../../src/replay/repo-sql'
import { claimParams, claimStatements, eventsQuery, exportPageQuery, exportSizesQuery, purgeStatements as sessionPurge } from '../../src/sessions/repo-sql'
import { contentsQuery, purgeStatements, usageQuery } from '../../src/tenancy/repo-sql'
import { type PlanCase, type PlanTable, migratedMemoryDb, planProblems as checkPlan, queryPlan } from '../support/query-plans'

/**
 * Every SQLite read that pages an environment's (or a source's) events walks the list
 * indexes — (env_key) and (env_key, source_key) since migration 18 (small integer keys of
 * the ids, from list_keys), their entries ending in the seq since migration 22 — in seq
 * order: no sort of the environment's events, no scan of the table nor of list_keys.
 */

const ENV = 'env_1'
const SRC = 'src_1'
const CURSOR = newId('evt')
const seek = (order: 'asc' | 'desc', back = false, id: string | null = CURSOR): Seek => ({ id, order, back })

interface Case extends PlanCase { index: 'events_env' | 'events_env_source' }

/** `events e`, searched by environment (and source) through a list index, cursors as seq ranges of it. */
const EVENTS: PlanTable = { names: ['e', 'events'], indexArgs: 'env_key=\\?', rangeColumn: 'seq' }

/** The plan's problems, and a key looked up by anything but its unique id index. */
function planProblems(db: Database, c: Case): string[] {
	const keyScans = queryPlan(db, c).filter((d) => /^SCAN list_keys\b/.test(d)).map(() => `${c.name}: scans list_keys`)
	return [...checkPlan(db, EVENTS, c), ...keyScans]
}

/** The statements as the repos build them, with representative filters. */
function cases(db: Database): Case[] {
	const list = (name: string, index: Case['index'], filter: Parameters<typeof listQuery>[1], s: Seek, offset = 0): Case => {
		const q = listQuery(SEQ_ORDER, filter, s, { offset, limit: 51 })
		return { name: `events list: ${name}`, index, sql: q.text, params: q.params }
	}
	const live = (name: string, index: Case['index'], sourceId: string | null): Case => {
		const q = eventsAfterQuery(SEQ_ORDER, ENV, sourceId, CURSOR, 1000)
		return { name, index, sql: q.text, params: q.params }
	}
	const count = (name: string, index: Case['index'], filter: Parameters<typeof countQuery>[1]): Case => {
		const q = countQuery(SEQ_ORDER, filter)
		return { name: `events count: ${name}`, index, sql: q.text, params: q.params, paged: false }
	}
	const purgeEvents = purgeStatements(SEQ_ORDER).find((s) => s.startsWith('DELETE FROM events')) ?? ''
	const session = eventsQuery(SEQ_ORDER, SRC, { cursor: CURSOR, limit: 50, method: 'POST' })
	const firstSession = eventsQuery(SEQ_ORDER, SRC, { cursor: null, limit: 50 })
	// Every statement of a session's purge and claim that reads events: inside a write transaction, a scan would hold ingest.
	const touchesEvents = (sql: string) => /\bevents\b/.test(sql)
	const purgeCases = sessionPurge(SEQ_ORDER).filter(touchesEvents).map((sql, i): Case => ({ name: `test session purge ${i + 1}: ${sql.slice(0, 40)}`, index: 'events_env_source', sql, params: [SRC], paged: false }))
	const claimArgs = claimParams(SRC, 'org_1', ENV, 1)
	const claimCases = claimStatements(SEQ_ORDER).flatMap((sql, i): Case[] => (touchesEvents(sql) ? [{ name: `test session claim ${i + 1}: ${sql.slice(0, 40)}`, index: 'events_env_source', sql, params: claimArgs[i] as Case['params'], paged: false }] : []))
	return [
		list('first page', 'events_env', { envId: ENV }, seek('desc', false, null)),
		list('next page (desc)', 'events_env', { envId: ENV }, seek('desc')),
		list('previous page (desc, prev_cursor)', 'events_env', { envId: ENV }, seek('desc', true)),
		list('next page (direction=asc)', 'events_env', { envId: ENV }, seek('asc')),
		list('previous page (direction=asc)', 'events_env', { envId: ENV }, seek('asc', true)),
		list('status, method and time filters, offset', 'events_env', { envId: ENV, status: 'pending', method: 'POST', after: 1, before: 2 }, seek('desc'), 10),
		list('source filter, first page', 'events_env_source', { envId: ENV, sourceId: SRC }, seek('desc', false, null)),
		list('source filter, next page', 'events_env_source', { envId: ENV, sourceId: SRC, dedupStatus: 'unique' }, seek('desc')),
		list('source filter, direction=asc', 'events_env_source', { envId: ENV, sourceId: SRC }, seek('asc')),
		...searchChunks(db),
		live('live since (environment)', 'events_env', null),
		live('live since (source)', 'events_env_source', SRC),
		{ name: 'test session events', index: 'events_env_source', sql: session.text, params: session.params },
		{ name: 'test session events, first page', index: 'events_env_source', sql: firstSession.text, params: firstSession.params },
		{ name: 'test session export page', index: 'events_env_source', sql: exportPageQuery(SEQ_ORDER), params: [SRC, CURSOR, 10] },
		{ name: 'test session export sizes', index: 'events_env_source', sql: exportSizesQuery(SEQ_ORDER), params: [SRC, CURSOR, 100] },
		{ name: 'replay candidates', index: 'events_env', sql: candidatesQuery(SEQ_ORDER, 2), params: [ENV, idFloorAt('evt', 1), idFloorAt('evt', 2), CURSOR, 100, SRC, 'src_2'] },
		{ name: 'usage: events this month', index: 'events_env', sql: usageQuery(SEQ_ORDER), params: [ENV, idFloorAt('evt', 1)] },
		count('filtered', 'events_env', { envId: ENV, method: 'POST' }),
		count('source, filtered', 'events_env_source', { envId: ENV, sourceId: SRC, verificationStatus: 'failed' }),
		{ name: 'environment contents', index: 'events_env', sql: contentsQuery(SEQ_ORDER), params: [ENV], paged: false },
		{ name: 'environment purge: its events', index: 'events_env', sql: purgeEvents, params: [ENV], paged: false },
		...purgeCases,
		...claimCases
	]
}

/** The search's chunk statements, as createEventQueries prepares them (captured, then explained). */
function searchChunks(db: Database): Case[] {
	const texts: string[] = []
	const spy = new Proxy(db, {
		get(target, key) {
			if (key === 'query') return (sql: string) => (texts.push(sql), target.query(sql))
			const value = Reflect.get(target, key)
			return typeof value === 'function' ? value.bind(target) : value
		}
	})
	const queries = createEventQueries(spy)
	const bounds = { window: 100, chunk: 10, prefixBytes: 64 }
	const run = (filter: { envId: string; sourceId?: string }, s: Seek) => {
		const before = texts.length
		void queries.search(filter, s, 'needle', bounds)
		const sql = texts.slice(before).find((t) => t.includes(' AS hit '))
		if (sql === undefined) throw new Error('no search statement was prepared')
		return sql
	}
	const chunkParams = (sql: string) => (sql.includes('source_key') ? [ENV, SRC, CURSOR, 'needle', 64, 11] : [ENV, CURSOR, 'needle', 64, 11])
	const env = run({ envId: ENV }, seek('desc'))
	const source = run({ envId: ENV, sourceId: SRC }, seek('asc'))
	return [
		{ name: 'events search window (environment)', index: 'events_env', sql: env, params: chunkParams(env) },
		{ name: 'events search window (source, direction=asc)', index: 'events_env_source', sql: source, params: chunkParams(source) }
	]
}

describe('SQLite events list plans (migrations 18 and 22)', () => {
	test('every list, count, cursor, since, session, replay, usage and purge statement walks a key index by seq', () => {
		const db = migratedMemoryDb()
		const all = cases(db)
		expect(all.length).toBe(23 + 4 + 2)
		expect(all.flatMap((c) => planProblems(db, c))).toEqual([])
		db.close()
	})

	test('on the id-keyed indexes of migration 14, (env_id) and (env_id, source_id), the same statements scan instead (the check can fail)', () => {
		const db = migratedMemoryDb()
		db.run('DROP INDEX events_env; DROP INDEX events_env_source')
		db.run('CREATE INDEX events_env ON events (env_id); CREATE INDEX events_env_source ON events (env_id, source_id)')
		const all = cases(db)
		const failing = all.filter((c) => planProblems(db, c).length > 0).map((c) => c.name)
		// Each one filters by keys that no index leads with any more.
		expect(failing).toEqual(all.map((c) => c.name))
		db.close()
	})

	test("the status (read from the event's deliveries) searches them by their event index, in lists, filters and counts (migration 21)", () => {
		const statusReads = (dropEventIndex: boolean) => {
			const db = migratedMemoryDb()
			if (dropEventIndex) db.run('DROP INDEX deliveries_event')
			const filtered = listQuery(SEQ_ORDER, { envId: ENV, status: 'failed' }, seek('desc'), { offset: 0, limit: 51 })
			const counted = countQuery(SEQ_ORDER, { envId: ENV, status: 'partial' })
			const reads = [filtered, counted].map((q) => queryPlan(db, { sql: q.text, params: q.params }).filter((d) => /\bdv\b/.test(d)))
			db.close()
			return reads
		}
		// The list reads the status twice (its column and its filter), the count once.
		const search = 'SEARCH dv USING INDEX deliveries_event (event_id=?)'
		expect(statusReads(false)).toEqual([[search, search], [search]])
		expect(statusReads(true)).toEqual([['SCAN dv', 'SCAN dv'], ['SCAN dv']])
	})

	test('without the unique index of list_keys every key lookup would scan it (the check can fail)', () => {
		const db = migratedMemoryDb()
		db.run('DROP TRIGGER environments_list_key; DROP TRIGGER sources_list_key; DROP TABLE list_keys')
		db.run('CREATE TABLE list_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL)')
		const all = cases(db)
		expect(all.filter((c) => planProblems(db, c).some((p) => p.endsWith('scans list_keys'))).map((c) => c.name)).toEqual(all.map((c) => c.name))
		db.close()
	})
})

describe('SQLite lookups of events by id (migration 22)', () => {
	/** Every statement the SQLite store prepares when it opens, as written (`$n` placeholders become `?n`). */
	function preparedAtOpen(): { db: Database; texts: string[] } {
		const texts: string[] = []
		const query = Database.prototype.query
		Database.prototype.query = function (this: Database, sql: string) {
			texts.push(sql)
			return query.call(this, sql)
		} as typeof query
		try {
			const store = openSqliteStore({ dataDir: tempDir('hookstream-plans-'), synchronous: 'NORMAL', migrate: true })
			return { db: sqliteOf(store), texts }
		} finally {
			Database.prototype.query = query
		}
	}
	const readsEvents = (sql: string) => /\b(FROM|JOIN|INTO|UPDATE) events\b/.test(sql)
	const scansEvents = (db: Database, sql: string) => queryPlan(db, { sql, params: [] }).filter((d) => /^SCAN (e|events)\b/.test(d))

	test('no statement a repo prepares scans events: by id it is a search of the seq the id spells', () => {
		const { db, texts } = preparedAtOpen()
		const ofEvents = [...new Set(texts.filter(readsEvents))]
		// The lookups by id, the payloads read ahead, retention, the rollup's batches and the replay's insert are among them.
		expect(ofEvents.length).toBeGreaterThan(10)
		expect(ofEvents.flatMap((sql) => scansEvents(db, sql).map((d) => `${d}: ${sql.slice(0, 120)}`))).toEqual([])
		const byId = queryPlan(db, { sql: byIdQuery(SEQ_ORDER), params: [CURSOR] })
		expect(byId.some((d) => /^SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\)/.test(d))).toBe(true)
		db.close()
	})

	test('by the id column itself, as PostgreSQL reads them, the same lookups would scan (the check can fail)', () => {
		const db = migratedMemoryDb()
		for (const sql of [byIdQuery(ID_ORDER), toDeliverQuery(ID_ORDER)]) expect(scansEvents(db, sql.replaceAll(/\$(\d+)/g, '?$1'))).not.toEqual([])
		db.close()
	})
})
