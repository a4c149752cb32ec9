import type { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { ROWID_ORDER } from '../../src/events/order-sql'
import { createEventQueries } from '../../src/events/queries'
import { countQuery, listQuery } from '../../src/events/repo-sql'
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
 * the ids, from list_keys), their entries ending in the rowid as since migration 14 — in
 * rowid order: no sort of the environment's events, no scan of the table nor of list_keys.
 */

const ENV = 'env_1'
const SRC = 'src_1'
const CURSOR = newId('evt')
const seek = (order: 'asc' | 'desc', back = false, id: string | null = CURSOR): Seek => ({ id, order, back })

interface Case extends PlanCase { index: 'events_env' | 'events_env_source' }

/** `events e`, searched by environment (and source) through a list index; cursor ids resolve through the unique id index. */
const EVENTS: PlanTable = { names: ['e', 'events'], indexArgs: 'env_key=\\?', lookupIndex: 'sqlite_autoindex_events_1' }

/** The plan's problems, and a key looked up by anything but its unique id index. */
function planProblems(db: Database, c: Case): string[] {
	const keyScans = queryPlan(db, c).filter((d) => /^SCAN list_keys\b/.test(d)).map(() => `${c.name}: scans list_keys`)
	return [...checkPlan(db, EVENTS, c), ...keyScans]
}

/** The statements as the repos build them, with representative filters. */
function cases(db: Database): Case[] {
	const list = (name: string, index: Case['index'], filter: Parameters<typeof listQuery>[1], s: Seek, offset = 0): Case => {
		const q = listQuery(ROWID_ORDER, filter, s, { offset, limit: 51 })
		return { name: `events list: ${name}`, index, sql: q.text, params: q.params }
	}
	const live = (name: string, index: Case['index'], sourceId: string | null): Case => {
		const q = eventsAfterQuery(ROWID_ORDER, ENV, sourceId, CURSOR, 1000)
		return { name, index, sql: q.text, params: q.params }
	}
	const count = (name: string, index: Case['index'], filter: Parameters<typeof countQuery>[1]): Case => {
		const q = countQuery(ROWID_ORDER, filter)
		return { name: `events count: ${name}`, index, sql: q.text, params: q.params, paged: false }
	}
	const purgeEvents = purgeStatements(ROWID_ORDER).find((s) => s.startsWith('DELETE FROM events')) ?? ''
	const session = eventsQuery(ROWID_ORDER, SRC, { cursor: CURSOR, limit: 50, method: 'POST' })
	const firstSession = eventsQuery(ROWID_ORDER, SRC, { cursor: null, limit: 50 })
	// Every statement of a session's purge and claim that reads events: inside a write transaction, a scan would hold ingest.
	const touchesEvents = (sql: string) => /\bevents\b/.test(sql)
	const purgeCases = sessionPurge(ROWID_ORDER).filter(touchesEvents).map((sql, i): Case => ({ name: `test session purge ${i + 1}: ${sql.slice(0, 40)}`, index: 'events_env_source', sql, params: [SRC], paged: false }))
	const claimArgs = claimParams(SRC, 'org_1', ENV, 1)
	const claimCases = claimStatements(ROWID_ORDER).flatMap((sql, i): Case[] => (touchesEvents(sql) ? [{ name: `test session claim ${i + 1}: ${sql.slice(0, 40)}`, index: 'events_env_source', sql, params: claimArgs[i] as Case['params'], paged: false }] : []))
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
		{ name: 'test session export page', index: 'events_env_source', sql: exportPageQuery(ROWID_ORDER), params: [SRC, CURSOR, 10] },
		{ name: 'test session export sizes', index: 'events_env_source', sql: exportSizesQuery(ROWID_ORDER), params: [SRC, CURSOR, 100] },
		{ name: 'replay candidates', index: 'events_env', sql: candidatesQuery(ROWID_ORDER, 2), params: [ENV, idFloorAt('evt', 1), idFloorAt('evt', 2), CURSOR, 100, SRC, 'src_2'] },
		{ name: 'usage: events this month', index: 'events_env', sql: usageQuery(ROWID_ORDER), params: [ENV, idFloorAt('evt', 1)] },
		count('filtered', 'events_env', { envId: ENV, method: 'POST' }),
		count('source, filtered', 'events_env_source', { envId: ENV, sourceId: SRC, verificationStatus: 'failed' }),
		{ name: 'environment contents', index: 'events_env', sql: contentsQuery(ROWID_ORDER), params: [ENV], paged: false },
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

describe('SQLite events list plans (migrations 14 and 18)', () => {
	test('every list, count, cursor, since, session, replay, usage and purge statement walks a key index by rowid', () => {
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
			const filtered = listQuery(ROWID_ORDER, { envId: ENV, status: 'failed' }, seek('desc'), { offset: 0, limit: 51 })
			const counted = countQuery(ROWID_ORDER, { envId: ENV, status: 'partial' })
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
