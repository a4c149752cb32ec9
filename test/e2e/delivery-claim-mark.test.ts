import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { rawSql } from '../support/raw-sql'

// A harness of its own: another destination's work would wake the worker and hide a pass that
// wrongly finds nothing.
let h: Harness
beforeAll(async () => {
	h = await startHarness({ 'destination-concurrency': '1' })
})
afterAll(() => h.close())

describe('the claim mark (SQLite: a claim starts past the last row the previous full one took; PostgreSQL has none)', () => {
	it("sends a row stored below the probe's claim once the breaker closes, though the queue past the probe is empty", async () => {
		let late: string | null = null
		let answered = 0
		let sourceId = ''
		let destinationId = ''
		const rx = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			async fetch() {
				answered++
				if (answered === 1) return new Response('no', { status: 500 }) // opens the breaker
				if (answered === 2) {
					// The probe is out, claimed alone (a full claim of one: the mark is at its row). A row lands
					// below it, as an event whose request began earlier but was stored later does.
					const [probe] = await rawSql(h.server.ctx.store).all<{ due_at: number }>("SELECT due_at FROM deliveries WHERE destination_id = $1 AND state IN ('queued', 'leased') ORDER BY due_at LIMIT 1", [destinationId])
					const eventId = await h.send(sourceId, '{"late":true}')
					const [row] = await rawSql(h.server.ctx.store).all<{ id: string }>('SELECT id FROM deliveries WHERE event_id = $1', [eventId])
					await rawSql(h.server.ctx.store).run('UPDATE deliveries SET due_at = $2 WHERE id = $1', [row?.id, (probe?.due_at as number) - 1])
					late = row?.id as string
				}
				return new Response('ok')
			}
		})
		try {
			;({ sourceId, destinationId } = await pipeline(h, 'mark', { url: `http://127.0.0.1:${rx.port}`, circuit_breaker_threshold: 1, circuit_breaker_reset_ms: 1000, retry_max_attempts: 10, retry_intervals: [1] }))
			await h.send(sourceId, '{"first":true}')
			const id = await h.until(async () => late ?? undefined)
			// Nothing else wakes the worker: the pass after the probe must find it.
			await h.until(async () => {
				const [row] = await rawSql(h.server.ctx.store).all<{ state: string }>('SELECT state FROM deliveries WHERE id = $1', [id])
				return row?.state === 'delivered' ? true : undefined
			}, 5000)
			expect(answered).toBe(3)
		} finally {
			rx.stop(true)
		}
	})
})
