import { describe, expect, test } from 'bun:test'
import type { Pg } from '../../src/db/pg/client'
import { createEventsRepoPg, LOCK_SOURCES } from '../../src/events/repo-pg'
import { ADD_TOTALS } from '../../src/events/repo-sql'
import { pending } from '../conformance/events-fixtures'

/**
 * The order in which an ingest batch on PostgreSQL sends its locking statements. They are
 * pipelined: each goes out when it is called, so the order of the calls is the order in which
 * the batch takes its row locks. A session's delete or claim locks the source row and then
 * writes its event_totals row; a batch that took the counters row first and then waited on the
 * source row would deadlock with it. test/conformance/sessions.test.ts shows, on a real cluster,
 * a delete and a claim waiting for a batch that holds the source row; this pins the order
 * itself, which a race cannot show reliably (PostgreSQL resolves a deadlock by aborting one
 * side after deadlock_timeout, and the delete is retried).
 */

/** A PostgreSQL handle whose transaction records each statement as it is called, and answers with no rows. */
function recordingPg(): { pg: Pg; sent: string[] } {
	const sent: string[] = []
	const q = {
		all: async (text: string) => (sent.push(text), []),
		get: async (text: string) => (sent.push(text), null),
		run: async (text: string) => (sent.push(text), 0)
	}
	return { sent, pg: { tx: async <T>(fn: (query: typeof q) => Promise<T>) => fn(q) } as unknown as Pg }
}

describe('ingest on PostgreSQL: lock order', () => {
	test('the source rows are locked before their counters rows, then the destinations, connections and dedup keys', async () => {
		const { pg, sent } = recordingPg()
		const routed = (source: string, at: number) => pending({ source, at, routes: [{ connection: 'conn_1', destination: 'dst_1' }], dedup: { key: 'k', windowMs: 60_000 } })
		await createEventsRepoPg(pg).insertBatch([routed('src_b', 1000), routed('src_a', 1001)])
		const first = (pattern: RegExp) => sent.findIndex((text) => pattern.test(text))
		const order = [
			sent.indexOf(LOCK_SOURCES),
			sent.indexOf(ADD_TOTALS),
			first(/FROM destinations .*FOR KEY SHARE/),
			first(/FROM connections .*FOR KEY SHARE/),
			first(/dedup_keys/)
		]
		expect(order.every((i) => i >= 0)).toBe(true)
		expect(order).toEqual([...order].sort((a, b) => a - b))
		expect(order[0]).toBe(0)
	})
})
