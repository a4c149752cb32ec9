import type { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { DEAD_OF, DUE_OF, NEXT_DUE, ORPHANED, PAST_MARK, queueIndexed, WITH_WORK } from '../../src/delivery/repo-sql'
import { OLDEST_DUE_NOT_LEASED, QUEUE_STATES } from '../../src/metrics/repo-sql'
import { type PlanCase, type PlanTable, migratedMemoryDb, planProblems as checkPlan, queryPlan } from '../support/query-plans'

/**
 * The per-destination queue index holds queued and dead deliveries only (migration 20): a
 * delivered one leaves it. SQLite searches a partial index only for a statement that repeats
 * its condition, so each statement that finds deliveries by destination and state must still
 * search it; one that forgot the condition would scan every delivery ever made.
 */

const DELIVERIES: PlanTable = { names: ['d', 'deliveries'], indexArgs: 'destination_id=\\? AND state=\\?' }
const QUEUE = 'deliveries_destination'

const searches: PlanCase[] = [
	{ name: 'next due time of a destination', index: QUEUE, sql: NEXT_DUE, params: ['dst_1', 1], paged: false },
	{ name: 'the claim: due rows of a destination, oldest first', index: QUEUE, sql: DUE_OF('rowid', 1, ' AND id NOT IN (SELECT value FROM json_each($4))'), params: ['dst_1', 1, 64, '[]'] },
	{ name: 'the claim past the claim mark', index: QUEUE, sql: DUE_OF('rowid', 1, PAST_MARK), params: ['dst_1', 1, 64, 5, 'dlv_x'] },
	{ name: 'dead deliveries of a destination', index: QUEUE, sql: DEAD_OF, params: ['dst_1', null], paged: false }
]

/**
 * Statements read as a subquery or through more than one index: the lines of their plan that
 * read deliveries, each matched in order (a scan of deliveries_leased is expected: it holds the
 * leased rows only).
 */
const multi: { name: string; sql: string; params: PlanCase['params']; reads: RegExp[] }[] = [
	{ name: 'destinations with queued work', sql: WITH_WORK, params: [], reads: [/^SEARCH d EXISTS USING COVERING INDEX deliveries_destination \(destination_id=\? AND state=\?\)$/] },
	{
		name: "a deleted destination's open deliveries",
		sql: ORPHANED,
		params: ['dst_1', 1],
		reads: [
			/^SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 \(id=\?\)$/,
			/^SEARCH deliveries USING COVERING INDEX deliveries_destination \(destination_id=\? AND state=\?\)$/,
			/^SCAN deliveries USING INDEX deliveries_leased$/
		]
	},
	{
		name: 'queue gauges: queued and leased counts',
		sql: QUEUE_STATES,
		params: [],
		reads: [/^SCAN deliveries USING COVERING INDEX deliveries_destination$/, /^SCAN deliveries USING COVERING INDEX deliveries_leased$/]
	},
	{ name: 'queue gauges: oldest due', sql: OLDEST_DUE_NOT_LEASED, params: [1, '[]'], reads: [/^SEARCH deliveries USING COVERING INDEX deliveries_destination$/] }
]

function multiProblems(db: Database, c: (typeof multi)[number]): string[] {
	const reads = queryPlan(db, c).filter((d) => /^(SEARCH|SCAN) (d|deliveries)\b/.test(d))
	const wrong = reads.length !== c.reads.length || reads.some((d, i) => !c.reads[i]?.test(d))
	return wrong ? [`${c.name}: ${reads.join('; ')}`] : []
}

/** The statement as it would read without the queue index's condition repeated. */
const condition = (alias: string) => new RegExp(` AND ${queueIndexed(alias).replace(/[.()]/g, '\\$&')}`, 'g')
const forgetful = (sql: string) => sql.replace(condition('d'), '').replace(condition(''), '')

describe('SQLite delivery queue plans (migration 20)', () => {
	test('every read by destination and state searches the queue index (or deliveries_leased for leased rows)', () => {
		const db = migratedMemoryDb()
		expect(searches.flatMap((c) => checkPlan(db, DELIVERIES, c))).toEqual([])
		expect(multi.flatMap((c) => multiProblems(db, c))).toEqual([])
		db.close()
	})

	test('the claim past the claim mark starts its walk there: a range of the queue index, not a pass over the rows before', () => {
		const db = migratedMemoryDb()
		expect(queryPlan(db, { sql: DUE_OF('rowid', 1, PAST_MARK), params: ['dst_1', 1, 64, 5, 'dlv_x'] })).toEqual([
			'SEARCH deliveries USING COVERING INDEX deliveries_destination (destination_id=? AND state=? AND (due_at,id)>(?,?) AND due_at<?)'
		])
		db.close()
	})

	test('the queue index is partial: queued and dead deliveries only', () => {
		const db = migratedMemoryDb()
		const sql = db.query<{ sql: string }, [string]>("SELECT sql FROM sqlite_schema WHERE name = ?1").get(QUEUE)?.sql
		expect(sql).toBe("CREATE INDEX deliveries_destination ON deliveries (destination_id, state, due_at, id) WHERE state IN ('queued', 'dead')")
		db.close()
	})

	test('without the repeated condition the same statements scan the table (the check can fail)', () => {
		const db = migratedMemoryDb()
		for (const c of searches) {
			expect(forgetful(c.sql)).not.toBe(c.sql)
			expect(checkPlan(db, DELIVERIES, { ...c, sql: forgetful(c.sql) }).length).toBeGreaterThan(0)
		}
		for (const c of multi) {
			expect(forgetful(c.sql)).not.toBe(c.sql)
			expect(multiProblems(db, { ...c, sql: forgetful(c.sql) }).length).toBeGreaterThan(0)
		}
		db.close()
	})
})
