import { afterAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { idFloorAt } from '../../src/lib/ids'
import { DAY_MS, HOUR_MS, MINUTE_MS, toDense } from '../../src/metrics/histogram'
import type { AttemptRollup, VolumeRow } from '../../src/metrics/repo'
import { openSqliteStore, type Store } from '../../src/store'
import { openPgStore } from '../../src/store-pg'
import { tempDir } from '../helpers'
import { insertAttempt, insertEvents } from '../ops/rows'
import { createTestDatabase, TEST_PG_URL } from '../support/pg'
import { rawSql } from '../support/raw-sql'

/**
 * The metrics repo on both engines: rollups past the durable watermarks are
 * exact and idempotent however the passes fall, and every read (rolled buckets
 * plus the not-yet-rolled tail) gives the same numbers before, during and after.
 */
type Open = () => Promise<{ store: Store; reopen: () => Promise<Store>; close: () => Promise<void> }>
const backends: [string, Open | null][] = [
	['sqlite', async () => {
		const dir = tempDir()
		const opts = { dataDir: dir, synchronous: 'NORMAL' as const, migrate: true }
		const stores: Store[] = [openSqliteStore(opts)]
		return {
			store: stores[0] as Store,
			reopen: async () => stores[stores.push(openSqliteStore(opts)) - 1] as Store,
			close: async () => {
				for (const s of stores) await s.close()
				rmSync(dir, { recursive: true, force: true })
			}
		}
	}],
	['postgres', TEST_PG_URL ? async () => {
		const db = await createTestDatabase()
		const stores: Store[] = [await openPgStore(db.url, { migrate: true })]
		return {
			store: stores[0] as Store,
			reopen: async () => stores[stores.push(await openPgStore(db.url, { migrate: false })) - 1] as Store,
			close: async () => {
				for (const s of stores) await s.close()
				await db.drop()
			}
		}
	} : null]
]

const T0 = Date.parse('2026-03-02T00:00:00.000Z')
const ENV = 'env_m'

async function rollAll(store: Store, horizon: number, batch = 2_000): Promise<{ events: VolumeRow[][]; attempts: AttemptRollup[] }> {
	const events: VolumeRow[][] = []
	const attempts: AttemptRollup[] = []
	for (let rows = await store.metrics.rollEvents(idFloorAt('evt', horizon)); rows !== null; rows = await store.metrics.rollEvents(idFloorAt('evt', horizon))) events.push(rows)
	for (let rows = await store.metrics.rollAttempts(idFloorAt('da', horizon), batch); rows !== null; rows = await store.metrics.rollAttempts(idFloorAt('da', horizon), batch)) attempts.push(rows)
	return { events, attempts }
}

/** Hourly event counts by source as the API would merge them (rolled + tail). */
async function hourly(store: Store, sourceId: string | null = null): Promise<Record<string, number>> {
	const snap = await store.metrics.volume({ envId: ENV, span: 'hour', from: T0, to: T0 + DAY_MS, sourceId })
	const out: Record<string, number> = {}
	for (const r of [...snap.rolled, ...snap.tail]) {
		const key = `${(Math.floor(r.bucket / HOUR_MS) * HOUR_MS - T0) / HOUR_MS}h|${r.source_id}`
		out[key] = (out[key] ?? 0) + r.event_count
	}
	return out
}

async function deliveryTotals(store: Store, span: 'minute' | 'hour' | 'day') {
	const snap = await store.metrics.attempts({ envId: ENV, span, from: T0, to: T0 + DAY_MS }, { latency: true })
	const sum = (rows: AttemptRollup['deliveries'], k: 'delivery_count' | 'success_count' | 'failure_count' | 'dlq_count') => rows.reduce((n, r) => n + r[k], 0)
	const all = [...snap.rolled.deliveries, ...snap.tail.deliveries]
	const latency = new Map<number, number>()
	for (const h of snap.hists) (JSON.parse(h.counts) as number[]).forEach((n, i) => latency.set(i, (latency.get(i) ?? 0) + n))
	const tailLatency = snap.tail.latency.reduce((n, r) => n + r.count, 0)
	const errors: Record<string, number> = {}
	for (const e of [...snap.rolled.errors, ...snap.tail.errors]) errors[e.error_type] = (errors[e.error_type] ?? 0) + e.count
	return {
		total: sum(all, 'delivery_count'), ok: sum(all, 'success_count'), failed: sum(all, 'failure_count'), dlq: sum(all, 'dlq_count'),
		latency: [...latency.values()].reduce((a, b) => a + b, 0) + tailLatency, errors
	}
}

for (const [name, open] of backends) {
	describe.skipIf(open === null)(`metrics repo (${name})`, () => {
		const opened: (() => Promise<void>)[] = []
		afterAll(async () => {
			for (const close of opened) await close()
		})
		const fresh = async () => {
			const b = await (open as Open)()
			opened.push(b.close)
			return b
		}

		test('event rollups: exact and idempotent across the watermark, however the passes fall', async () => {
			const { store } = await fresh()
			const sql = rawSql(store)
			// Hour 1: 3 of A, 1 of B; hour 2: 2 of A; hour 5: 7,000 of B (more than one rollup batch); another environment.
			await insertEvents(sql, [
				...[1, 2, 3].map((m) => ({ envId: ENV, sourceId: 'src_a', at: T0 + HOUR_MS + m * MINUTE_MS })),
				{ envId: ENV, sourceId: 'src_b', at: T0 + HOUR_MS + 30 * MINUTE_MS },
				{ envId: ENV, sourceId: 'src_a', at: T0 + 2 * HOUR_MS + 5 },
				{ envId: ENV, sourceId: 'src_a', at: T0 + 2 * HOUR_MS + 10, duplicate: true },
				...Array.from({ length: 7_000 }, (_, i) => ({ envId: ENV, sourceId: 'src_b', at: T0 + 5 * HOUR_MS + i })),
				{ envId: 'env_other', sourceId: 'src_o', at: T0 + HOUR_MS }
			])
			const expected = { '1h|src_a': 3, '1h|src_b': 1, '2h|src_a': 2, '5h|src_b': 7_000 }
			expect(await hourly(store)).toEqual(expected) // all tail

			// Roll up to 01:30 only: part rolled, part tail, the same numbers.
			const first = await rollAll(store, T0 + HOUR_MS + 30 * MINUTE_MS)
			expect(first.events.flat().reduce((n, r) => n + r.event_count, 0)).toBe(4) // 3 of A, the other environment's one
			expect(await hourly(store)).toEqual(expected)
			expect(await hourly(store, 'src_b')).toEqual({ '1h|src_b': 1, '5h|src_b': 7_000 })

			const rest = await rollAll(store, T0 + DAY_MS)
			expect(rest.events.length).toBeGreaterThanOrEqual(3) // hour 1's rest, hour 2, hour 5 in two batches
			expect(await hourly(store)).toEqual(expected)
			// Nothing is left past the watermark: another pass finds nothing and changes nothing.
			expect(await rollAll(store, T0 + DAY_MS)).toEqual({ events: [], attempts: [] })
			expect(await hourly(store)).toEqual(expected)
			const spans = await sql.all('SELECT span, CAST(SUM(event_count) AS BIGINT) AS n FROM metric_volume GROUP BY span ORDER BY span')
			expect(spans).toEqual([{ span: 'day', n: 7_007 }, { span: 'hour', n: 7_007 }, { span: 'minute', n: 7_007 }])
			const minuteRows = await sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM metric_volume WHERE span = 'minute' AND source_id = 'src_b'")
			expect(minuteRows?.n).toBe(1 + 1) // 01:30, and 7,000 ms of 05:00 in one minute
		})

		test('attempt rollups in small batches: counts, errors and latency histograms merge exactly', async () => {
			const { store } = await fresh()
			const sql = rawSql(store)
			// 20 attempts in minute 3:00, durations 10…200 ms; 4 failures (one DLQ'd); one without a duration.
			for (let i = 1; i <= 20; i++) {
				const failure = i === 3 || i === 7 ? 'http_5xx' : i === 11 ? 'timeout' : i === 15 ? 'http_4xx' : null
				await insertAttempt(sql, { envId: ENV, destinationId: 'dst_a', at: T0 + 3 * HOUR_MS + i * 1000, ok: failure === null, durationMs: i * 10, errorType: failure, dlq: i === 15 })
			}
			await insertAttempt(sql, { envId: ENV, destinationId: 'dst_a', at: T0 + 4 * HOUR_MS, ok: false, durationMs: null, errorType: 'transform_error' })
			const want = { total: 21, ok: 16, failed: 5, dlq: 1, latency: 20, errors: { http_5xx: 2, timeout: 1, http_4xx: 1, transform_error: 1 } }
			for (const span of ['minute', 'hour', 'day'] as const) expect(await deliveryTotals(store, span)).toEqual(want)

			// Batches of 3 cut minute 3:00 into seven passes: the stored histogram is merged each time.
			await rollAll(store, T0 + 3 * HOUR_MS + 10_500, 3)
			for (const span of ['minute', 'hour', 'day'] as const) expect(await deliveryTotals(store, span)).toEqual(want)
			const passes = await rollAll(store, T0 + DAY_MS, 3)
			expect(passes.attempts.length).toBe(4) // 11 rows left: 3 + 3 + 3 + 2
			expect(await rollAll(store, T0 + DAY_MS, 3)).toEqual({ events: [], attempts: [] })
			for (const span of ['minute', 'hour', 'day'] as const) expect(await deliveryTotals(store, span)).toEqual(want)
			const hist = await sql.all<{ span: string; counts: string }>("SELECT span, counts FROM metric_latency WHERE destination_id = 'dst_a' ORDER BY span")
			// 10…200 ms by bound: ≤10: 1, ≤25: 1 (20), ≤50: 3, ≤75: 2, ≤100: 3, ≤150: 5, ≤200: 5.
			const dense = JSON.stringify(toDense(new Map([[10, 1], [25, 1], [50, 3], [75, 2], [100, 3], [150, 5], [200, 5]])))
			expect(hist).toEqual([{ span: 'day', counts: dense }, { span: 'hour', counts: dense }, { span: 'minute', counts: dense }])
		})

		test('a batch wider than one statement: 300 minutes of attempts and 6 sources over an hour of events', async () => {
			const { store } = await fresh()
			const sql = rawSql(store)
			for (let m = 0; m < 300; m++) await insertAttempt(sql, { envId: ENV, destinationId: 'dst_a', at: T0 + m * MINUTE_MS, ok: m % 3 !== 0, durationMs: 30, errorType: 'http_5xx' })
			await insertEvents(sql, Array.from({ length: 360 }, (_, i) => ({ envId: ENV, sourceId: `src_${i % 6}`, at: T0 + Math.floor(i / 6) * MINUTE_MS })))
			const passes = await rollAll(store, T0 + DAY_MS)
			expect(passes.attempts).toHaveLength(1) // one batch: 300 minute rows, 5 hours and a day, written in chunks
			expect(passes.events).toHaveLength(1) // one hour: 360 minute rows (60 × 6 sources)
			const rows = await sql.all('SELECT span, COUNT(*) AS n, CAST(SUM(delivery_count) AS BIGINT) AS total, CAST(SUM(failure_count) AS BIGINT) AS failed FROM metric_deliveries GROUP BY span ORDER BY span')
			expect(rows).toEqual([{ span: 'day', n: 1, total: 300, failed: 100 }, { span: 'hour', n: 5, total: 300, failed: 100 }, { span: 'minute', n: 300, total: 300, failed: 100 }])
			expect(await sql.all('SELECT span, COUNT(*) AS n, CAST(SUM(count) AS BIGINT) AS total FROM metric_errors GROUP BY span ORDER BY span'))
				.toEqual([{ span: 'day', n: 1, total: 100 }, { span: 'hour', n: 5, total: 100 }, { span: 'minute', n: 100, total: 100 }])
			expect((await sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM metric_latency WHERE span = 'minute'"))?.n).toBe(300)
			expect(await sql.all("SELECT counts FROM metric_latency WHERE span = 'day'")).toEqual([{ counts: JSON.stringify(toDense(new Map([[50, 300]]))) }])
			expect(await sql.all('SELECT span, COUNT(*) AS n, CAST(SUM(event_count) AS BIGINT) AS total FROM metric_volume GROUP BY span ORDER BY span'))
				.toEqual([{ span: 'day', n: 6, total: 360 }, { span: 'hour', n: 6, total: 360 }, { span: 'minute', n: 360, total: 360 }])
		})

		test('events are counted in the minute of their id, across minute edges and interleaved keys', async () => {
			const { store } = await fresh()
			const sql = rawSql(store)
			const M = T0 + 10 * MINUTE_MS
			// In id order: runs of one source cut by another source, another environment, and the edge of a minute.
			await insertEvents(sql, [
				{ envId: ENV, sourceId: 'src_a', at: M },
				{ envId: ENV, sourceId: 'src_a', at: M + 1 },
				{ envId: ENV, sourceId: 'src_b', at: M + 2 },
				{ envId: ENV, sourceId: 'src_a', at: M + 3 },
				{ envId: 'env_other', sourceId: 'src_a', at: M + 4 },
				{ envId: ENV, sourceId: 'src_a', at: M + MINUTE_MS - 1 },
				{ envId: ENV, sourceId: 'src_a', at: M + MINUTE_MS },
				{ envId: ENV, sourceId: 'src_a', at: M + MINUTE_MS + 1 },
				{ envId: ENV, sourceId: 'src_b', at: M + 2 * MINUTE_MS - 1 },
				{ envId: ENV, sourceId: 'src_a', at: M + 3 * MINUTE_MS }
			])
			const minutes = async () => {
				const rows = await sql.all<{ env_id: string; source_id: string; bucket: number; event_count: number }>(
					"SELECT env_id, source_id, bucket, event_count FROM metric_volume WHERE span = 'minute' ORDER BY env_id, source_id, bucket")
				return rows.map((r) => `${r.env_id}|${r.source_id}|+${(Number(r.bucket) - M) / MINUTE_MS}m: ${Number(r.event_count)}`)
			}
			const want = ['env_m|src_a|+0m: 4', 'env_m|src_a|+1m: 2', 'env_m|src_a|+3m: 1', 'env_m|src_b|+0m: 1', 'env_m|src_b|+1m: 1', 'env_other|src_a|+0m: 1']
			const tail = await store.metrics.volume({ envId: ENV, span: 'minute', from: T0, to: T0 + HOUR_MS, sourceId: 'src_a' })
			expect(tail.tail.map((r) => `${r.source_id}|+${(r.bucket - M) / MINUTE_MS}m: ${r.event_count}`).sort()).toEqual(['src_a|+0m: 4', 'src_a|+1m: 2', 'src_a|+3m: 1'])
			await rollAll(store, T0 + DAY_MS)
			expect(await minutes()).toEqual(want)
		})

		test('two instances rolling at once fold every row once', async () => {
			const { store, reopen } = await fresh()
			const other = await reopen()
			const sql = rawSql(store)
			await insertEvents(sql, Array.from({ length: 12_000 }, (_, i) => ({ envId: ENV, sourceId: i % 2 ? 'src_a' : 'src_b', at: T0 + Math.floor(i * 1.5) })))
			for (let i = 0; i < 30; i++) await insertAttempt(sql, { envId: ENV, destinationId: 'dst_a', at: T0 + i * 100, ok: i % 5 !== 0, durationMs: 40 })
			await Promise.all([rollAll(store, T0 + DAY_MS, 4), rollAll(other, T0 + DAY_MS, 4)])
			expect(await sql.all('SELECT span, CAST(SUM(event_count) AS BIGINT) AS n FROM metric_volume GROUP BY span ORDER BY span'))
				.toEqual([{ span: 'day', n: 12_000 }, { span: 'hour', n: 12_000 }, { span: 'minute', n: 12_000 }])
			expect(await sql.all('SELECT span, CAST(SUM(delivery_count) AS BIGINT) AS n, CAST(SUM(failure_count) AS BIGINT) AS f FROM metric_deliveries GROUP BY span ORDER BY span'))
				.toEqual(['day', 'hour', 'minute'].map((span) => ({ span, n: 30, f: 6 })))
			expect(await sql.all("SELECT counts FROM metric_latency WHERE span = 'day'")).toEqual([{ counts: JSON.stringify(toDense(new Map([[50, 30]]))) }])
		})

		test('overview counts, names, the scrape state and trimming', async () => {
			const { store } = await fresh()
			const sql = rawSql(store)
			await sql.run(`INSERT INTO issues (id, org_id, env_id, destination_id, error_type, message, first_seen_at, last_seen_at, created_at, updated_at)
				VALUES ('iss_1', 'org_x', $1, 'dst_a', 'http_5xx', 'HTTP 503', 1, 1, 1, 1)`, [ENV])
			expect(await store.metrics.counts(ENV)).toEqual({ active_sources: 0, active_destinations: 0, open_issues: 1 })
			expect(await store.metrics.names(ENV)).toEqual({ sources: new Map(), destinations: new Map() })
			const outbox = (id: string, state: string, due: number) => sql.run(`INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, due_at, created_at, updated_at)
				VALUES ($1, 'org_x', $2, 'evt_x', 'conn_x', 'dst_ghost', $3, $4, $4, $4)`, [id, ENV, state, due])
			await outbox('dlv_1', 'queued', 1_000)
			await outbox('dlv_2', 'queued', 9_000)
			await outbox('dlv_3', 'leased', 500)
			expect(await store.metrics.scrapeState(5_000)).toEqual({ queue: { queued: 2, leased: 1, oldestDueAt: 1_000 }, circuits: [] })
			// A claim's lease (held in memory on SQLite, in the row on PostgreSQL): leased, no longer waiting.
			expect((await store.deliveries.claim('dst_ghost', 5_000, 1, 'w_gauge', 60_000)).map((d) => d.id)).toEqual(['dlv_1'])
			expect(await store.metrics.scrapeState(5_000)).toEqual({ queue: { queued: 1, leased: 2, oldestDueAt: null }, circuits: [] })
			await store.deliveries.releaseLeases(['dlv_1'], 'w_gauge')
			expect(await store.metrics.scrapeState(5_000)).toEqual({ queue: { queued: 2, leased: 1, oldestDueAt: 1_000 }, circuits: [] })
			await insertEvents(sql, [{ envId: ENV, sourceId: 'src_a', at: T0 }, { envId: ENV, sourceId: 'src_a', at: T0 + 3 * DAY_MS }])
			await rollAll(store, T0 + 4 * DAY_MS)
			expect(await store.metrics.trim('minute', T0 + DAY_MS)).toBe(1)
			expect(await store.metrics.trim('minute', T0 + DAY_MS)).toBe(0)
			expect(await sql.all('SELECT span, bucket FROM metric_volume ORDER BY span, bucket')).toEqual([
				{ span: 'day', bucket: T0 }, { span: 'day', bucket: T0 + 3 * DAY_MS }, { span: 'hour', bucket: T0 }, { span: 'hour', bucket: T0 + 3 * DAY_MS }, { span: 'minute', bucket: T0 + 3 * DAY_MS }
			])
		})
	})
}
