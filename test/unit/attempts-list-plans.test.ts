import type { Database } from 'bun:sqlite'
import type { Where } from '../../src/db/sql'
import { describe, expect, test } from 'bun:test'
import { ATTEMPTS_BY_SEQ, BY_ID_SQLITE, BY_IDS_SQLITE, countQuery, DLQ_OF_EVENT, listQuery } from '../../src/attempts/repo-sql'
import type { AttemptFilter } from '../../src/attempts/repo'
import { DEAD_OF } from '../../src/delivery/repo-sql'
import { newId } from '../../src/lib/ids'
import type { Seek } from '../../src/lib/pagination'
import { SEQ_ORDER } from '../../src/events/order-sql'
import { attemptsTailWhere } from '../../src/metrics/repo'
import { attemptGroupsSql } from '../../src/metrics/repo-sql'
import { purgeStatements } from '../../src/tenancy/repo-sql'
import { type PlanCase, type PlanTable, migratedMemoryDb, planProblems as checkPlan, queryPlan } from '../support/query-plans'

/**
 * Every SQLite read of delivery attempts finds its rows through an index of migration 16 —
 * (env_id), (event_id) or (destination_id), whose entries end in the seq (the rowid since
 * migration 24) — and the list pages walk it in seq order: no sort of an environment's attempts,
 * no scan of the table. The deletes (retention, environment purge) and the DLQ reads go through
 * an index too, and a read by id is a search of the primary key by the seq the id spells.
 */

const ENV = 'env_1'
const CURSOR = newId('da')
const seek = (order: 'asc' | 'desc', back = false, id: string | null = CURSOR): Seek => ({ id, order, back })

type Index = 'attempts_env' | 'attempts_event' | 'attempts_destination'
interface Case extends PlanCase { index: Index; paged: boolean }

/** `delivery_attempts a`, searched through one of its indexes; a cursor id is the seq it spells (attempt_seqs probed first). */
const ATTEMPTS: PlanTable = { names: ['a', 'delivery_attempts'], indexArgs: '', lookupIndex: 'attempt_seqs', rangeColumn: 'seq' }
const planProblems = (db: Database, c: Case) => checkPlan(db, ATTEMPTS, c)

function cases(): Case[] {
	const list = (name: string, index: Index, f: AttemptFilter, s: Seek, offset = 0): Case[] => {
		const q = listQuery(ATTEMPTS_BY_SEQ, f, s, { offset, limit: 51 })
		const c = countQuery(f)
		return [
			{ name: `attempts list: ${name}`, index, sql: q.text, params: q.params as Case['params'], paged: true },
			{ name: `attempts count: ${name}`, index, sql: c.text, params: c.params as Case['params'], paged: false }
		]
	}
	const other = (name: string, index: Index, sql: string, params: Case['params']): Case => ({ name, index, sql, params, paged: false })
	return [
		...list('first page', 'attempts_env', { envId: ENV }, seek('desc', false, null)),
		...list('next page (desc)', 'attempts_env', { envId: ENV }, seek('desc')),
		...list('previous page (desc, prev_cursor)', 'attempts_env', { envId: ENV }, seek('desc', true)),
		...list('next page (direction=asc)', 'attempts_env', { envId: ENV }, seek('asc')),
		...list('connection, status and DLQ filters, offset', 'attempts_env', { envId: ENV, connectionId: 'con_1', status: 'failed', dlqOnly: true }, seek('desc'), 10),
		...list('event filter (an event\'s attempts)', 'attempts_event', { envId: ENV, eventId: 'evt_1' }, seek('desc', false, null)),
		...list('event filter, next page', 'attempts_event', { envId: ENV, eventId: 'evt_1' }, seek('desc')),
		...list('destination filter', 'attempts_destination', { envId: ENV, destinationId: 'dst_1' }, seek('desc')),
		...list('destination filter, direction=asc', 'attempts_destination', { envId: ENV, destinationId: 'dst_1', status: 'success' }, seek('asc')),
		other('DLQ attempts of an event', 'attempts_event', DLQ_OF_EVENT, ['evt_1']),
		other('dead deliveries of a destination by error type', 'attempts_event', DEAD_OF, ['dst_1', 'timeout']),
		other('retention: attempts of an event', 'attempts_event', 'DELETE FROM delivery_attempts WHERE event_id = $1', ['evt_1']),
		other('environment purge', 'attempts_env', purgeStatements(SEQ_ORDER).find((s) => s.includes('delivery_attempts')) ?? '', [ENV])
	]
}

describe('SQLite delivery attempts plans (migrations 16 and 24)', () => {
	test('every attempts list, count, DLQ read and delete searches an attempts index; pages walk it by seq', () => {
		const db = migratedMemoryDb()
		const all = cases()
		expect(all.length).toBe(22)
		expect(all.flatMap((c) => planProblems(db, c))).toEqual([])
		db.close()
	})

	test('migration 24 leaves the table and three attempts indexes, (env_id), (event_id), (destination_id): none on the id', () => {
		const db = migratedMemoryDb()
		const indexes = db.query<{ name: string; sql: string | null }, []>("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'delivery_attempts' ORDER BY name").all()
		expect(indexes.map((i) => [i.name, i.sql?.replace(/.* ON /, '') ?? null])).toEqual([
			['attempts_destination', 'delivery_attempts (destination_id)'],
			['attempts_env', 'delivery_attempts (env_id)'],
			['attempts_event', 'delivery_attempts (event_id)']
		])
		db.close()
	})

	test('an attempt by id, and many at once, are searches of the primary key by the seqs the ids spell', () => {
		const db = migratedMemoryDb()
		const PK = /^SEARCH a USING INTEGER PRIMARY KEY \(rowid=\?\)$/
		const one = queryPlan(db, { sql: BY_ID_SQLITE, params: [CURSOR] })
		expect(one.filter((d) => /^(SEARCH|SCAN) a\b/.test(d))).toEqual([expect.stringMatching(PK)])
		const many = queryPlan(db, { sql: BY_IDS_SQLITE, params: [JSON.stringify([CURSOR]), '[1]'] })
		expect(many.filter((d) => /^(SEARCH|SCAN) a\b/.test(d))).toEqual([expect.stringMatching(PK)])
		db.close()
	})

	test('on the (…, id) indexes of before migration 16 the paged statements sort or filter instead (the check can fail)', () => {
		const db = migratedMemoryDb()
		db.run('DROP INDEX attempts_env; DROP INDEX attempts_event; DROP INDEX attempts_destination')
		db.run('CREATE INDEX attempts_env ON delivery_attempts (env_id, id); CREATE INDEX attempts_event ON delivery_attempts (event_id, id)')
		db.run('CREATE INDEX attempts_destination ON delivery_attempts (destination_id, id)')
		const paged = cases().filter((c) => c.paged && /a\.seq [<>]/.test(c.sql))
		const failing = paged.filter((c) => planProblems(db, c).length > 0).map((c) => c.name)
		// Each one: a cursor is no range of (…, id) in seq terms.
		expect(paged.length).toBe(7)
		expect(failing).toEqual(paged.map((c) => c.name))
		db.close()
	})
})

describe('SQLite metrics tail of attempts (past the rollup mark)', () => {
	const tailPlan = (db: Database, where: Where) => [queryPlan(db, { sql: attemptGroupsSql(where.sql), params: where.params as (string | number)[] })[0]]
	const RANGE = 'SEARCH delivery_attempts USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)'

	test("reads only the seq range past the mark, not the environment's or the destination's attempts", () => {
		const db = migratedMemoryDb()
		const [mark, ceiling] = [newId('da', 1), 'da_g']
		expect(tailPlan(db, attemptsTailWhere(mark, ceiling, ENV, 1, 2, 'dst_1'))).toEqual([RANGE])
		expect(tailPlan(db, attemptsTailWhere(mark, ceiling, ENV, null, null, null))).toEqual([RANGE])
		db.close()
	})

	test('filtering by the environment as an index term, the same statements search attempts_env (the check can fail)', () => {
		const db = migratedMemoryDb()
		const w = attemptsTailWhere(newId('da', 1), 'da_g', ENV, null, null, null)
		const indexed = { ...w, sql: w.sql.replace('+env_id', 'env_id') }
		expect(tailPlan(db, indexed).every((d) => d?.includes('attempts_env'))).toBe(true)
		db.close()
	})
})
