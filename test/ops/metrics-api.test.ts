import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { ROLLUP_LAG_MS } from '../../src/metrics/rollup'
import { makeTestApp, type TestApp } from '../helpers'
import { rawSql } from '../support/raw-sql'
import { insertAttempt, insertEvent, insertEvents, manualClock } from './rows'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by value below
type Json = any
const DAY = Date.parse('2026-03-02T00:00:00.000Z')
const H = 3_600_000
let t: TestApp
let clock: ReturnType<typeof manualClock>
let env: string
let srcA: string
let srcB: string
let dst: string

beforeEach(async () => {
	clock = manualClock(DAY + 10 * H)
	t = await makeTestApp({}, clock)
	const a: Json = await (await t.call('POST', '/v1/sources', { body: { name: 'A', slug: 'a' } })).json()
	const b: Json = await (await t.call('POST', '/v1/sources', { body: { name: 'B', slug: 'b' } })).json()
	const d: Json = await (await t.call('POST', '/v1/destinations', { body: { name: 'Hooks', slug: 'hooks', url: 'https://example.com/hook' } })).json()
	env = a.source.env_id
	srcA = a.source.id
	srcB = b.source.id
	dst = d.destination.id
})
afterEach(async () => t.close())

const get = async (path: string): Promise<{ status: number; body: Json }> => {
	const res = await t.call('GET', path)
	return { status: res.status, body: await res.json() }
}

/** 3 events of A and 1 of B in hour 1, 2 of A (one a duplicate) in hour 2; one of A the day before. */
async function seedEvents() {
	const db = rawSql(t.ctx.store)
	for (const m of [1, 2, 3]) await insertEvent(db, { envId: env, sourceId: srcA, at: DAY + H + m * 60_000 })
	await insertEvent(db, { envId: env, sourceId: srcB, at: DAY + H + 30 * 60_000 })
	await insertEvent(db, { envId: env, sourceId: srcA, at: DAY + 2 * H + 5 })
	await insertEvent(db, { envId: env, sourceId: srcA, at: DAY + 2 * H + 10, duplicate: true })
	await insertEvent(db, { envId: env, sourceId: srcA, at: DAY - 5 * H })
	await insertEvent(db, { envId: 'env_other', sourceId: 'src_other', at: DAY + H })
}

const expectedHourly = () => [
	{ bucket: '2026-03-02T01:00:00.000Z', source_id: srcA, source_name: 'A', event_count: 3 },
	{ bucket: '2026-03-02T01:00:00.000Z', source_id: srcB, source_name: 'B', event_count: 1 },
	{ bucket: '2026-03-02T02:00:00.000Z', source_id: srcA, source_name: 'A', event_count: 2 }
].sort((x, y) => x.bucket.localeCompare(y.bucket) || x.source_id.localeCompare(y.source_id))

describe('GET /v1/metrics/volume', () => {
	test('hourly counts are exact from raw rows, half-rolled rows and fully rolled rows alike', async () => {
		await seedEvents()
		const path = `/v1/metrics/volume?after=2026-03-02T00:00:00Z&before=2026-03-02T10:00:00Z`
		const raw = await get(path)
		expect(raw.status).toBe(200)
		expect(raw.body).toEqual({ series: expectedHourly(), granularity: 'hour' })

		// Roll up only what is older than 01:30 + lag: part rolled, part tail.
		clock.set(DAY + H + 30 * 60_000 + ROLLUP_LAG_MS)
		await t.ctx.ops.rollup.run()
		clock.set(DAY + 10 * H)
		expect((await get(path)).body.series).toEqual(expectedHourly())

		await t.ctx.ops.rollup.run()
		await t.ctx.ops.rollup.run() // a second pass past the watermark adds nothing
		expect((await get(path)).body.series).toEqual(expectedHourly())
		const rolled = (await rawSql(t.ctx.store).get("SELECT CAST(SUM(event_count) AS BIGINT) AS n FROM metric_volume WHERE span = 'hour'")) as { n: number }
		expect(rolled.n).toBe(8) // every row is in the buckets now, the other environment's included
	})

	test('daily granularity, the source filter and the window edges', async () => {
		await seedEvents()
		await t.ctx.ops.rollup.run()
		const day = await get('/v1/metrics/volume?granularity=day&after=2026-03-01T00:00:00Z&before=2026-03-03T00:00:00Z')
		expect(day.body.granularity).toBe('day')
		expect(day.body.series.map((r: { bucket: string; source_id: string; event_count: number }) => [r.bucket, r.source_id === srcA ? 'A' : 'B', r.event_count])).toEqual(
			[['2026-03-01T00:00:00.000Z', 'A', 1], ['2026-03-02T00:00:00.000Z', srcA < srcB ? 'A' : 'B', srcA < srcB ? 5 : 1], ['2026-03-02T00:00:00.000Z', srcA < srcB ? 'B' : 'A', srcA < srcB ? 1 : 5]]
		)
		const onlyB = await get(`/v1/metrics/volume?source_id=${srcB}&after=2026-03-02T00:00:00Z&before=2026-03-02T10:00:00Z`)
		expect(onlyB.body.series).toEqual([{ bucket: '2026-03-02T01:00:00.000Z', source_id: srcB, source_name: 'B', event_count: 1 }])
		// `before` is exclusive: the 02:00 bucket starts at the edge and is left out.
		const edge = await get('/v1/metrics/volume?after=2026-03-02T01:00:00Z&before=2026-03-02T02:00:00Z')
		expect(edge.body.series.map((r: { event_count: number }) => r.event_count).reduce((a: number, b: number) => a + b, 0)).toBe(4)
		// Default window: the 24 h before now (10:00), so yesterday 19:00 too.
		expect((await get('/v1/metrics/volume')).body.series).toEqual([
			{ bucket: '2026-03-01T19:00:00.000Z', source_id: srcA, source_name: 'A', event_count: 1 },
			...expectedHourly()
		])
	})

	test('bad windows are 400 with the envelope', async () => {
		for (const q of ['after=yesterday', 'before=2026-13-45', 'after=2026-03-02T05:00:00Z&before=2026-03-02T01:00:00Z', 'after=2024-01-01T00:00:00Z', 'granularity=week', 'bogus=1']) {
			const res = await get(`/v1/metrics/volume?${q}`)
			expect(res.status).toBe(400)
			expect(res.body).toMatchObject({ status: 400, request_id: expect.stringMatching(/^req_/) })
		}
		expect((await t.call('GET', '/v1/metrics/volume', { key: null })).status).toBe(401)
	})
})

describe('deliveries, latency and errors', () => {
	async function seedAttempts() {
		const db = rawSql(t.ctx.store)
		// Hour 3: 20 attempts, durations 10, 20, …, 200 ms; 4 of them failed (two http_5xx, one timeout, one a DLQ'd http_4xx).
		for (let i = 1; i <= 20; i++) {
			const failure = i === 3 ? 'http_5xx' : i === 7 ? 'http_5xx' : i === 11 ? 'timeout' : i === 15 ? 'http_4xx' : null
			await insertAttempt(db, { envId: env, destinationId: dst, at: DAY + 3 * H + i * 1000, ok: failure === null, durationMs: i * 10, errorType: failure, dlq: i === 15 })
		}
		// Hour 4: one slow success, and a transform error without a duration.
		await insertAttempt(db, { envId: env, destinationId: dst, at: DAY + 4 * H, ok: true, durationMs: 2400 })
		await insertAttempt(db, { envId: env, destinationId: dst, at: DAY + 4 * H + 1, ok: false, durationMs: null, errorType: 'transform_error' })
	}

	test('latency rows not rolled up yet land in their hour, not their minute', async () => {
		const db = rawSql(t.ctx.store)
		await insertAttempt(db, { envId: env, destinationId: dst, at: DAY + 5 * H + 17 * 60_000, ok: true, durationMs: 40 })
		await insertAttempt(db, { envId: env, destinationId: dst, at: DAY + 5 * H + 42 * 60_000, ok: true, durationMs: 90 })
		const l = await get('/v1/metrics/latency?after=2026-03-02T00:00:00Z&before=2026-03-02T10:00:00Z')
		expect(l.body.series).toEqual([{ bucket: '2026-03-02T05:00:00.000Z', destination_id: dst, destination_name: 'Hooks', count: 2, p50: 50, p95: 100, p99: 100 }])
	})

	test('counts, percentiles at the histogram resolution and the error breakdown', async () => {
		await seedAttempts()
		const window = 'after=2026-03-02T00:00:00Z&before=2026-03-02T10:00:00Z'
		const check = async () => {
			const d = await get(`/v1/metrics/deliveries?${window}`)
			expect(d.body.series).toEqual([
				{ bucket: '2026-03-02T03:00:00.000Z', destination_id: dst, destination_name: 'Hooks', delivery_count: 20, success_count: 16, failure_count: 4, dlq_count: 1, success_rate: 80 },
				{ bucket: '2026-03-02T04:00:00.000Z', destination_id: dst, destination_name: 'Hooks', delivery_count: 2, success_count: 1, failure_count: 1, dlq_count: 0, success_rate: 50 }
			])
			const l = await get(`/v1/metrics/latency?${window}&destination_id=${dst}`)
			// Ranks: p50 = 10th of 20 (100 ms → bucket 100), p95 = 19th (190 → 200), p99 = 20th (200 → 200).
			expect(l.body.series).toEqual([
				{ bucket: '2026-03-02T03:00:00.000Z', destination_id: dst, destination_name: 'Hooks', count: 20, p50: 100, p95: 200, p99: 200 },
				{ bucket: '2026-03-02T04:00:00.000Z', destination_id: dst, destination_name: 'Hooks', count: 1, p50: 3000, p95: 3000, p99: 3000 }
			])
			const e = await get(`/v1/metrics/errors?${window}`)
			expect(e.body).toEqual({
				errors: [
					{ destination_id: dst, destination_name: 'Hooks', error_type: 'http_5xx', count: 2 },
					{ destination_id: dst, destination_name: 'Hooks', error_type: 'http_4xx', count: 1 },
					{ destination_id: dst, destination_name: 'Hooks', error_type: 'timeout', count: 1 },
					{ destination_id: dst, destination_name: 'Hooks', error_type: 'transform_error', count: 1 }
				],
				total: 5
			})
			const day = await get(`/v1/metrics/deliveries?${window}&granularity=day`)
			expect(day.body.series).toMatchObject([{ bucket: '2026-03-02T00:00:00.000Z', delivery_count: 22, success_count: 17, failure_count: 5, dlq_count: 1 }])
		}
		await check()
		clock.set(DAY + 3 * H + 10_000 + ROLLUP_LAG_MS) // half of hour 3 rolled up
		await t.ctx.ops.rollup.run()
		clock.set(DAY + 10 * H)
		await check()
		await t.ctx.ops.rollup.run()
		await check()
	})

	test('overview: today, this week, rates and counts', async () => {
		await seedEvents()
		await seedAttempts()
		await insertAttempt(rawSql(t.ctx.store), { envId: env, destinationId: dst, at: DAY - 2 * H, ok: false, dlq: true }) // yesterday: not today, still in the DLQ count
		await t.ctx.ops.rollup.run()
		const o = await get('/v1/metrics/overview')
		expect(o.status).toBe(200)
		expect(o.body).toEqual({
			events_today: 6, events_this_week: 7, active_sources: 2, deliveries_today: 22, success_today: 17, failed_today: 5,
			success_rate_today: 77.27, dlq_count: 2, active_destinations: 1, open_issues: 0, active_collections: 0
		})
	})

	test('a real ingest is counted before and after the rollup', async () => {
		const res = await t.call('POST', `/v1/ingest/${srcA}`, { body: { hello: 1 }, key: null })
		expect(res.status).toBe(200)
		await t.ctx.drainWrites()
		expect((await get('/v1/metrics/overview')).body.events_today).toBe(1)
		clock.advance(ROLLUP_LAG_MS + 1)
		await t.ctx.ops.rollup.run()
		expect((await get('/v1/metrics/overview')).body.events_today).toBe(1)
	})
})

describe('the rollup job', () => {
	test('folds a backlog larger than one batch exactly, across hours', async () => {
		const db = rawSql(t.ctx.store)
		await insertEvents(db, Array.from({ length: 12_000 }, (_, i) => ({ envId: env, sourceId: i % 3 === 0 ? srcB : srcA, at: DAY + Math.floor((i / 12_000) * 3 * H) })))
		await t.ctx.ops.rollup.run()
		const hours = (await get('/v1/metrics/volume?after=2026-03-02T00:00:00Z&before=2026-03-02T10:00:00Z')).body.series
		expect(hours.reduce((n: number, r: Json) => n + r.event_count, 0)).toBe(12_000)
		expect(hours.filter((r: Json) => r.source_id === srcB).reduce((n: number, r: Json) => n + r.event_count, 0)).toBe(4_000)
		const rolled = await db.all("SELECT span, CAST(SUM(event_count) AS BIGINT) AS n FROM metric_volume GROUP BY span ORDER BY span")
		expect(rolled).toEqual([{ span: 'day', n: 12_000 }, { span: 'hour', n: 12_000 }, { span: 'minute', n: 12_000 }])
	})
})
