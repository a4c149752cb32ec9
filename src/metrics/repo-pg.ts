import type { Pg, PgQuery } from '../db/pg/client'
import { multiRow, powerOfTwoChunks } from '../db/pg/multi-row'
import { retryRead } from '../db/pg/read-retry'
import { type SqlValue, valuesList, whereOf } from '../db/sql'
import { idFloorAt } from '../lib/ids'
import { HOUR_MS, type Span } from './histogram'
import {
	type AttemptRollup, ATTEMPTS, type createMetricsRepo, type DeliveryRow, type ErrorRow, EVENTS, type LatencyBucketRow,
	type RangeFilter, type Snapshot, type VolumeRow
} from './repo'
import * as Q from './repo-sql'
import { type AttemptGroup, attemptBuckets, EVENT_BATCH, foldAttemptGroups, type LatencyAdd, mergedCounts, timeOfId, volumeBuckets } from './rollup-rows'

/** The rollup's event and attempt batch bounds, by the unique id indexes (SQLite walks both by seq: repo.ts). */
const FIRST_EVENT = 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1'
const NTH_EVENT = 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1 OFFSET $3'
const LAST_EVENT = 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT 1'
const NTH_ATTEMPT = 'SELECT id FROM delivery_attempts WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1 OFFSET $3'
const LAST_ATTEMPT = 'SELECT id FROM delivery_attempts WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT 1'

/** Rows per multi-row statement: 256 × 8 columns stays far below PostgreSQL's 65,535 parameters. */
const CHUNK = 256
const upsertVolume = multiRow(Q.VOLUME_INSERT, 5, () => Q.VOLUME_MERGE)
const upsertDeliveries = multiRow(Q.DELIVERIES_INSERT, 8, () => Q.DELIVERIES_MERGE)
const upsertLatencies = multiRow(Q.LATENCY_INSERT, 5, () => Q.LATENCY_MERGE)
const upsertErrors = multiRow(Q.ERRORS_INSERT, 6, () => Q.ERRORS_MERGE)
/** The stored histograms of a batch's keys (VALUES outside an INSERT: its columns need types). */
const storedLatency = (n: number) => `SELECT m.env_id, m.span, m.bucket, m.destination_id, m.counts FROM metric_latency m
	JOIN (VALUES ${valuesList(n, 4, ['text', 'text', 'bigint', 'text'])}) AS k (env_id, span, bucket, destination_id) USING (env_id, span, bucket, destination_id)`

/**
 * The minute an event was stored in, from its id (`evt_` + a UUIDv7 whose first
 * 48 bits are epoch ms), so the rollup and the tail need no column but the id.
 */
const EVENT_MINUTE = `((('x' || substr(id, 5, 12))::bit(48)::bigint / 60000) * 60000)`

/** Events per environment, source and minute with ids in (after, …) ∩ [from, to). */
function eventCounts(q: PgQuery, envId: string | null, sourceId: string | null, after: string, from: string, to: string): Promise<VolumeRow[]> {
	const w = whereOf([['env_id = ?', envId], ['source_id = ?', sourceId], ['id > ?', after], ['id >= ?', from], ['id < ?', to]])
	return q.all<VolumeRow>(`SELECT env_id, source_id, ${EVENT_MINUTE} AS bucket, COUNT(*) AS event_count FROM events WHERE ${w.sql}
		GROUP BY env_id, source_id, ${EVENT_MINUTE}`, w.params)
}

/** Attempt aggregates by minute of raw rows in (lo, hi], optionally one environment, window and destination. */
async function attemptAggregates(q: PgQuery, lo: string, hi: string, env: string | null = null, from: number | null = null, to: number | null = null, destinationId: string | null = null): Promise<AttemptRollup> {
	const w = whereOf([['id > ?', lo], ['id <= ?', hi], ['env_id = ?', env], ['created_at >= ?', from], ['created_at < ?', to], ['destination_id = ?', destinationId]])
	return foldAttemptGroups(await q.all<AttemptGroup>(Q.attemptGroupsSql(w.sql), w.params))
}

/** One upsert statement per chunk of rows (the SQLite side runs one per row); chunk sizes are powers of two (src/db/pg/multi-row.ts). */
async function upsertRows(q: PgQuery, text: (n: number) => string, rows: (string | number)[][]): Promise<void> {
	for (const chunk of powerOfTwoChunks(rows, CHUNK)) await q.run(text(chunk.length), chunk.flat())
}

/** Reads the stored histograms of a batch's keys in one query per chunk, merges, writes them back in one. */
async function upsertLatency(q: PgQuery, adds: LatencyAdd[]): Promise<void> {
	const keyOf = (r: { env_id: string; span: string; bucket: number; destination_id: string }) => `${r.span}|${r.env_id}|${r.bucket}|${r.destination_id}`
	for (const chunk of powerOfTwoChunks(adds, CHUNK)) {
		const stored = await q.all<{ env_id: string; span: string; bucket: number; destination_id: string; counts: string }>(
			storedLatency(chunk.length), chunk.flatMap((l) => [l.env_id, l.span, l.bucket, l.destination_id]))
		const byKey = new Map(stored.map((r) => [keyOf(r), r.counts]))
		await upsertRows(q, upsertLatencies, chunk.map((l) => [l.env_id, l.span, l.bucket, l.destination_id, mergedCounts(byKey.get(keyOf(l)), l.add)]))
	}
}

/**
 * The watermark, locked for this transaction: two instances rolling at once
 * (a tick overrunning into the next one's owner) queue here instead of both
 * folding the same rows.
 */
async function lockMark(q: PgQuery, name: string): Promise<string> {
	await q.run("INSERT INTO metric_watermarks (name, last_id) VALUES ($1, '') ON CONFLICT (name) DO NOTHING", [name])
	return (await q.get<{ last_id: string }>(`${Q.GET_MARK} FOR UPDATE`, [name]))?.last_id ?? ''
}

/** One event batch and its watermark, in the caller's transaction (what the SQLite side's rollEvents folds; it bounds the batch with LIMIT instead of NTH_EVENT/LAST_EVENT). */
async function rollEvents(q: PgQuery, ceiling: string): Promise<VolumeRow[] | null> {
	const lo = await lockMark(q, EVENTS)
	const first = (await q.get<{ id: string }>(FIRST_EVENT, [lo, ceiling]))?.id
	if (first === undefined) return null
	const hour = Math.floor(timeOfId(first) / HOUR_MS) * HOUR_MS
	const end = idFloorAt('evt', hour + HOUR_MS)
	let hi = end < ceiling ? end : ceiling
	hi = (await q.get<{ id: string }>(NTH_EVENT, [lo, hi, EVENT_BATCH]))?.id ?? hi
	const rows = await eventCounts(q, null, null, lo, idFloorAt('evt', hour), hi)
	await upsertRows(q, upsertVolume, volumeBuckets(rows))
	await q.run(Q.SET_MARK, [EVENTS, (await q.get<{ id: string }>(LAST_EVENT, [lo, hi]))?.id as string])
	return rows
}

/** One batch of attempts and its watermark, in the caller's transaction. */
async function rollAttempts(q: PgQuery, ceiling: string, batch: number): Promise<AttemptRollup | null> {
	const lo = await lockMark(q, ATTEMPTS)
	const hi = (await q.get<{ id: string }>(NTH_ATTEMPT, [lo, ceiling, batch - 1]))?.id ?? (await q.get<{ id: string }>(LAST_ATTEMPT, [lo, ceiling]))?.id
	if (hi === undefined) return null
	const rows = await attemptAggregates(q, lo, hi)
	const b = attemptBuckets(rows)
	await upsertRows(q, upsertDeliveries, b.deliveries)
	await upsertLatency(q, b.latency)
	await upsertRows(q, upsertErrors, b.errors)
	await q.run(Q.SET_MARK, [ATTEMPTS, hi])
	return rows
}

/** A read that sees one committed state: the marks, the buckets they cover, and the rows past them. */
function snapshot<T>(pg: Pg, fn: (q: PgQuery) => Promise<T>): Promise<T> {
	return retryRead(() => pg.tx(async (q) => {
		await q.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
		return fn(q)
	}))
}

const markOf = async (q: PgQuery, name: string) => (await q.get<{ last_id: string }>(Q.GET_MARK, [name]))?.last_id ?? ''
const rangeWhere = (f: RangeFilter, key: ['source_id = ?' | 'destination_id = ?', string | null | undefined]) =>
	whereOf([['env_id = ?', f.envId], ['span = ?', f.span], ['bucket >= ?', f.from], ['bucket < ?', f.to], key])

/** The PostgreSQL metrics repo: the SQLite one's SQL, with batched upserts and row locks on the watermarks. */
export function createMetricsRepoPg(pg: Pg): ReturnType<typeof createMetricsRepo> {
	return {
		async scrapeState(now: number) {
			return retryRead(async () => {
				const [states, due, circuits] = await Promise.all([
					pg.all<{ state: string; n: number }>(Q.QUEUE_STATES),
					pg.get<{ due: number | null }>(Q.OLDEST_DUE, [now]),
					pg.all<{ destination_id: string; state: string }>(Q.CIRCUITS)
				])
				const byState = Object.fromEntries(states.map((r) => [r.state, r.n]))
				return { queue: { queued: byState.queued ?? 0, leased: byState.leased ?? 0, oldestDueAt: due?.due ?? null }, circuits }
			})
		},
		/** Folds the next events (one UTC hour at most, EVENT_BATCH at most) with ids below `ceiling`; null when none is left. */
		rollEvents: (ceiling: string) => pg.tx((q) => rollEvents(q, ceiling)),
		rollAttempts: (ceiling: string, batch: number) => pg.tx((q) => rollAttempts(q, ceiling, batch)),
		async volume(f: RangeFilter): Promise<Snapshot<VolumeRow[]>> {
			return snapshot(pg, async (q) => {
				const w = rangeWhere(f, ['source_id = ?', f.sourceId])
				const rolled = await q.all<VolumeRow>(Q.ROLLED_VOLUME(w.sql), w.params)
				return { rolled, tail: await eventCounts(q, f.envId, f.sourceId ?? null, await markOf(q, EVENTS), idFloorAt('evt', f.from), idFloorAt('evt', f.to)) }
			})
		},
		/** Rolled-up attempts (latency as whole histograms in `hists`), and the tail. */
		async attempts(f: RangeFilter, opts: { latency: boolean }): Promise<Snapshot<AttemptRollup> & { hists: LatencyBucketRow[] }> {
			return snapshot(pg, async (q) => {
				const w = rangeWhere(f, ['destination_id = ?', f.destinationId])
				const deliveries = await q.all<DeliveryRow>(Q.ROLLED_DELIVERIES(w.sql), w.params)
				const errors = await q.all<ErrorRow>(Q.ROLLED_ERRORS(w.sql), w.params)
				const hists = opts.latency ? await q.all<LatencyBucketRow>(Q.ROLLED_LATENCY(w.sql), w.params) : []
				const tail = await attemptAggregates(q, await markOf(q, ATTEMPTS), 'da_g', f.envId, f.from, f.to, f.destinationId ?? null)
				return { rolled: { deliveries, latency: [], errors }, hists, tail }
			})
		},
		async counts(envId: string) {
			const row = await retryRead(() => pg.get<{ active_sources: number; active_destinations: number; open_issues: number }>(Q.OVERVIEW, [envId]))
			return row ?? { active_sources: 0, active_destinations: 0, open_issues: 0 }
		},
		async names(envId: string): Promise<{ sources: Map<string, string>; destinations: Map<string, string> }> {
			const [sources, destinations] = await retryRead(() => Promise.all([
				pg.all<{ id: string; name: string }>(Q.SOURCE_NAMES, [envId]),
				pg.all<{ id: string; name: string }>(Q.DESTINATION_NAMES, [envId])
			]))
			return { sources: new Map(sources.map((r) => [r.id, r.name])), destinations: new Map(destinations.map((r) => [r.id, r.name])) }
		},
		/** Retention: buckets of `span` that start before `before`. Returns rows deleted. */
		async trim(span: Span, before: number): Promise<number> {
			let n = 0
			for (const table of Q.METRIC_TABLES) n += await pg.run(Q.TRIM(table), [span, before] as SqlValue[])
			return n
		}
	}
}
