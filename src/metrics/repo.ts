import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, whereOf } from '../db/sql'
import { idFloorAt } from '../lib/ids'
import { boundAt, floorTo, type Histogram, HOUR_MS, LATENCY_BOUNDS_MS, MINUTE_MS, type Span, toDense } from './histogram'

export interface VolumeRow { env_id: string; source_id: string; bucket: number; event_count: number }
export interface DeliveryRow { env_id: string; destination_id: string; bucket: number; delivery_count: number; success_count: number; failure_count: number; dlq_count: number }
export interface LatencyRow { env_id: string; destination_id: string; bucket: number; le_ms: number; count: number }
export interface ErrorRow { env_id: string; destination_id: string; bucket: number; error_type: string; count: number }
export interface AttemptRollup { deliveries: DeliveryRow[]; latency: LatencyRow[]; errors: ErrorRow[] }
/** A rolled-up latency histogram: `counts` is a JSON array of counts by bound index (overflow last). */
export interface LatencyBucketRow { env_id: string; destination_id: string; bucket: number; counts: string }

/** What one query sees: the rolled-up buckets, and the not-yet-rolled rows aggregated by minute. */
export interface Snapshot<T> { rolled: T; tail: T }

export interface RangeFilter { envId: string; span: Span; from: number; to: number; sourceId?: string | null; destinationId?: string | null }

// Portable integer arithmetic: both SQLite and PostgreSQL divide integers as integers.
const MINUTE = (col: string) => `(${col} / ${MINUTE_MS}) * ${MINUTE_MS}`
const LE_CASE = `CASE ${LATENCY_BOUNDS_MS.map((le) => `WHEN duration_ms <= ${le} THEN ${le}`).join(' ')} ELSE 0 END`

const EVENTS = 'events'
const ATTEMPTS = 'attempts'

/**
 * Attempt aggregates of raw rows in (lo, hi], by minute: the rollup job's input and
 * the API's tail. (Events are counted from an index instead: see eventCounts.)
 */
function rawAggregates(db: Database) {
	const range = (idCol: string, lo: string, hi: string, env: string | null, timeCol: string, from: number | null, to: number | null, extra: [string, string | null | undefined][] = []) =>
		whereOf([[`${idCol} > ?`, lo], [`${idCol} <= ?`, hi], ['env_id = ?', env], [`${timeCol} >= ?`, from], [`${timeCol} < ?`, to], ...extra])
	return {
		attempts(lo: string, hi: string, env: string | null = null, from: number | null = null, to: number | null = null, destinationId: string | null = null): AttemptRollup {
			const w = () => range('id', lo, hi, env, 'created_at', from, to, [['destination_id = ?', destinationId]])
			const a = w()
			const deliveries = prepare<DeliveryRow, SqlValue[]>(db, `SELECT env_id, destination_id, ${MINUTE('created_at')} AS bucket, COUNT(*) AS delivery_count,
				SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS success_count, SUM(CASE WHEN status = 'success' THEN 0 ELSE 1 END) AS failure_count,
				SUM(CASE WHEN is_dlq = 1 THEN 1 ELSE 0 END) AS dlq_count
				FROM delivery_attempts WHERE ${a.sql} GROUP BY env_id, destination_id, ${MINUTE('created_at')}`).all(...a.params)
			const l = w()
			const latency = prepare<LatencyRow, SqlValue[]>(db, `SELECT env_id, destination_id, ${MINUTE('created_at')} AS bucket, ${LE_CASE} AS le_ms, COUNT(*) AS count
				FROM delivery_attempts WHERE ${l.sql} AND duration_ms IS NOT NULL GROUP BY env_id, destination_id, ${MINUTE('created_at')}, ${LE_CASE}`).all(...l.params)
			const e = w()
			const errors = prepare<ErrorRow, SqlValue[]>(db, `SELECT env_id, destination_id, ${MINUTE('created_at')} AS bucket, error_type, COUNT(*) AS count
				FROM delivery_attempts WHERE ${e.sql} AND status <> 'success' AND error_type IS NOT NULL GROUP BY env_id, destination_id, ${MINUTE('created_at')}, error_type`).all(...e.params)
			return { deliveries, latency, errors }
		}
	}
}

const SPANS: Span[] = ['minute', 'hour', 'day']
/** Events listed (from the index) per rollup transaction. */
const EVENT_BATCH = 5_000

/** Re-buckets minute rows into `span` and sums those that then share a key. */
function rebucket<T extends { bucket: number }>(rows: T[], span: Span, keyOf: (r: T) => string, add: (into: T, r: T) => void): T[] {
	if (span === 'minute') return rows
	const out = new Map<string, T>()
	for (const row of rows) {
		const r = { ...row, bucket: floorTo(span, row.bucket) }
		const key = `${r.bucket}|${keyOf(r)}`
		const seen = out.get(key)
		if (seen) add(seen, r)
		else out.set(key, r)
	}
	return [...out.values()]
}

function upserts(db: Database) {
	const volume = prepare(db, `INSERT INTO metric_volume (env_id, span, bucket, source_id, event_count) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (env_id, span, bucket, source_id) DO UPDATE SET event_count = metric_volume.event_count + excluded.event_count`)
	const deliveries = prepare(db, `INSERT INTO metric_deliveries (env_id, span, bucket, destination_id, delivery_count, success_count, failure_count, dlq_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (env_id, span, bucket, destination_id) DO UPDATE SET
		delivery_count = metric_deliveries.delivery_count + excluded.delivery_count, success_count = metric_deliveries.success_count + excluded.success_count,
		failure_count = metric_deliveries.failure_count + excluded.failure_count, dlq_count = metric_deliveries.dlq_count + excluded.dlq_count`)
	// One row per histogram: merged in the app (JSON text), so a month of one destination is 720 rows, not one per bin.
	const latencyOf = prepare<{ counts: string }, [string, string, number, string]>(db, 'SELECT counts FROM metric_latency WHERE env_id = $1 AND span = $2 AND bucket = $3 AND destination_id = $4')
	const latency = prepare(db, `INSERT INTO metric_latency (env_id, span, bucket, destination_id, counts) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (env_id, span, bucket, destination_id) DO UPDATE SET counts = excluded.counts`)
	const addLatency = (span: Span, rows: LatencyRow[]) => {
		const hists = new Map<string, { r: LatencyRow; h: Histogram }>()
		for (const r of rows) {
			const key = `${r.env_id}|${r.bucket}|${r.destination_id}`
			let entry = hists.get(key)
			if (!entry) {
				const stored = latencyOf.get(r.env_id, span, r.bucket, r.destination_id)
				const h: Histogram = new Map()
				if (stored) (JSON.parse(stored.counts) as number[]).forEach((n, i) => n > 0 && h.set(boundAt(i), n))
				hists.set(key, (entry = { r, h }))
			}
			entry.h.set(r.le_ms, (entry.h.get(r.le_ms) ?? 0) + r.count)
		}
		for (const { r, h } of hists.values()) latency.run(r.env_id, span, r.bucket, r.destination_id, JSON.stringify(toDense(h)))
	}
	const errors = prepare(db, `INSERT INTO metric_errors (env_id, span, bucket, destination_id, error_type, count) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (env_id, span, bucket, destination_id, error_type) DO UPDATE SET count = metric_errors.count + excluded.count`)
	return {
		volume(rows: VolumeRow[]) {
			for (const span of SPANS) {
				for (const r of rebucket(rows, span, (x) => `${x.env_id}|${x.source_id}`, (x, y) => { x.event_count += y.event_count })) volume.run(r.env_id, span, r.bucket, r.source_id, r.event_count)
			}
		},
		attempts(a: AttemptRollup) {
			for (const span of SPANS) {
				const d = rebucket(a.deliveries, span, (x) => `${x.env_id}|${x.destination_id}`, (x, y) => {
					x.delivery_count += y.delivery_count
					x.success_count += y.success_count
					x.failure_count += y.failure_count
					x.dlq_count += y.dlq_count
				})
				for (const r of d) deliveries.run(r.env_id, span, r.bucket, r.destination_id, r.delivery_count, r.success_count, r.failure_count, r.dlq_count)
				addLatency(span, span === 'minute' ? a.latency : a.latency.map((r) => ({ ...r, bucket: floorTo(span, r.bucket) })))
				for (const r of rebucket(a.errors, span, (x) => `${x.env_id}|${x.destination_id}|${x.error_type}`, (x, y) => { x.count += y.count })) {
					errors.run(r.env_id, span, r.bucket, r.destination_id, r.error_type, r.count)
				}
			}
		}
	}
}

/** The epoch ms an `evt_`/`da_` id was made at (UUIDv7: the first 48 bits). */
function timeOfId(id: string): number {
	return Number.parseInt(id.slice(id.indexOf('_') + 1, id.indexOf('_') + 13), 16)
}

/**
 * Events per source and minute in an id range, from the (env_id, source_id, id)
 * index only (the time is in the id). The (source, environment) pairs come from
 * event_totals, which ingest keeps.
 */
function eventCounts(db: Database) {
	const pairs = prepare<{ env_id: string; source_id: string }, []>(db, 'SELECT env_id, source_id FROM event_totals')
	const pairsOf = prepare<{ env_id: string; source_id: string }, [string]>(db, 'SELECT env_id, source_id FROM event_totals WHERE env_id = $1')
	const ids = prepare<{ id: string }, [string, string, string, string, string]>(db,
		'SELECT id FROM events WHERE env_id = $1 AND source_id = $2 AND id > $3 AND id >= $4 AND id < $5')
	return {
		/** Ids in (after, …) ∩ [from, to), counted by minute; optionally one environment / source. */
		range(envId: string | null, sourceId: string | null, after: string, from: string, to: string): VolumeRow[] {
			const rows: VolumeRow[] = []
			for (const p of envId === null ? pairs.all() : pairsOf.all(envId)) {
				if (sourceId !== null && p.source_id !== sourceId) continue
				// Ids come in order, so one row per minute is built as the minutes change.
				let current = { env_id: p.env_id, source_id: p.source_id, bucket: -1, event_count: 0 }
				for (const { id } of ids.all(p.env_id, p.source_id, after, from, to)) {
					const minute = Math.floor(timeOfId(id) / MINUTE_MS) * MINUTE_MS
					if (current.bucket !== minute) rows.push((current = { env_id: p.env_id, source_id: p.source_id, bucket: minute, event_count: 0 }))
					current.event_count++
				}
			}
			return rows
		}
	}
}

export type MetricsRepo = ReturnType<typeof createMetricsRepo>

export function createMetricsRepo(db: Database) {
	const raw = rawAggregates(db)
	const upsert = upserts(db)
	const getMark = prepare<{ last_id: string }, [string]>(db, 'SELECT last_id FROM metric_watermarks WHERE name = $1')
	const setMark = prepare(db, 'INSERT INTO metric_watermarks (name, last_id) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id')
	const counts = eventCounts(db)
	const firstEvent = prepare<{ id: string }, [string, string]>(db, 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1')
	const nthEvent = prepare<{ id: string }, [string, string, number]>(db, 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1 OFFSET $3')
	const lastEvent = prepare<{ id: string }, [string, string]>(db, 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT 1')
	const nthAttempt = prepare<{ id: string }, [string, string, number]>(db, 'SELECT id FROM delivery_attempts WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1 OFFSET $3')
	const lastAttempt = prepare<{ id: string }, [string, string]>(db, 'SELECT id FROM delivery_attempts WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT 1')
	const mark = (name: string) => getMark.get(name)?.last_id ?? ''

	/** The end of the next attempt batch: the batch-th id past the mark, else the last one below the ceiling. */
	const batchEnd = (lo: string, ceiling: string, batch: number) => nthAttempt.get(lo, ceiling, batch - 1)?.id ?? lastAttempt.get(lo, ceiling)?.id ?? null

	// Events are folded one UTC hour at a time, counted per source from the (env_id, source_id, id)
	// index: no event row (headers, body) is read, so the rollup costs ingest next to nothing.
	const rollEvents = db.transaction((ceiling: string): VolumeRow[] | null => {
		const lo = mark(EVENTS)
		const first = firstEvent.get(lo, ceiling)?.id
		if (first === undefined) return null
		const hour = Math.floor(timeOfId(first) / HOUR_MS) * HOUR_MS
		const end = idFloorAt('evt', hour + HOUR_MS)
		let hi = end < ceiling ? end : ceiling
		// At most EVENT_BATCH events per transaction, so one pass never holds the thread long.
		hi = nthEvent.get(lo, hi, EVENT_BATCH)?.id ?? hi
		const rows = counts.range(null, null, lo, idFloorAt('evt', hour), hi)
		upsert.volume(rows)
		setMark.run(EVENTS, lastEvent.get(lo, hi)?.id as string)
		return rows
	})
	const rollAttempts = db.transaction((ceiling: string, batch: number): AttemptRollup | null => {
		const lo = mark(ATTEMPTS)
		const hi = batchEnd(lo, ceiling, batch)
		if (hi === null) return null
		const rows = raw.attempts(lo, hi)
		upsert.attempts(rows)
		setMark.run(ATTEMPTS, hi)
		return rows
	})

	// Every read sees one consistent cut: the mark and the buckets it covers, then the rows past it.
	const readVolume = db.transaction((f: RangeFilter): Snapshot<VolumeRow[]> => {
		const w = whereOf([['env_id = ?', f.envId], ['span = ?', f.span], ['bucket >= ?', f.from], ['bucket < ?', f.to], ['source_id = ?', f.sourceId]])
		const rolled = prepare<VolumeRow, SqlValue[]>(db, `SELECT env_id, source_id, bucket, event_count FROM metric_volume WHERE ${w.sql}`).all(...w.params)
		// The tail: the window's events past the mark, counted from the index like the rollup does.
		return { rolled, tail: counts.range(f.envId, f.sourceId ?? null, mark(EVENTS), idFloorAt('evt', f.from), idFloorAt('evt', f.to)) }
	})
	const readAttempts = db.transaction((f: RangeFilter, latency: boolean): Snapshot<AttemptRollup> & { hists: LatencyBucketRow[] } => {
		const w = () => whereOf([['env_id = ?', f.envId], ['span = ?', f.span], ['bucket >= ?', f.from], ['bucket < ?', f.to], ['destination_id = ?', f.destinationId]])
		const d = w()
		const deliveries = prepare<DeliveryRow, SqlValue[]>(db, `SELECT env_id, destination_id, bucket, delivery_count, success_count, failure_count, dlq_count FROM metric_deliveries WHERE ${d.sql}`).all(...d.params)
		const e = w()
		const errors = prepare<ErrorRow, SqlValue[]>(db, `SELECT env_id, destination_id, bucket, error_type, count FROM metric_errors WHERE ${e.sql}`).all(...e.params)
		const l = w()
		const hists = latency ? prepare<LatencyBucketRow, SqlValue[]>(db, `SELECT env_id, destination_id, bucket, counts FROM metric_latency WHERE ${l.sql}`).all(...l.params) : []
		return { rolled: { deliveries, latency: [], errors }, hists, tail: raw.attempts(mark(ATTEMPTS), 'da_g', f.envId, f.from, f.to, f.destinationId ?? null) }
	})
	const overview = prepare<{ active_sources: number; active_destinations: number; open_issues: number }, [string]>(db, `SELECT
		(SELECT COUNT(*) FROM sources WHERE env_id = $1 AND status = 'active') AS active_sources,
		(SELECT COUNT(*) FROM destinations WHERE env_id = $1 AND status = 'active') AS active_destinations,
		(SELECT COUNT(*) FROM issues WHERE env_id = $1 AND status = 'open') AS open_issues`)
	const sourceNames = prepare<{ id: string; name: string }, [string]>(db, 'SELECT id, name FROM sources WHERE env_id = $1')
	const destinationNames = prepare<{ id: string; name: string }, [string]>(db, 'SELECT id, name FROM destinations WHERE env_id = $1')
	const trims = ['metric_volume', 'metric_deliveries', 'metric_latency', 'metric_errors'].map((table) => prepare(db, `DELETE FROM ${table} WHERE span = $1 AND bucket < $2`))

	const queue = prepare<{ state: string; n: number }, []>(db, "SELECT state, COUNT(*) AS n FROM deliveries WHERE state IN ('queued', 'leased') GROUP BY state")
	const oldestDue = prepare<{ due: number | null }, [number]>(db, "SELECT MIN(due_at) AS due FROM deliveries WHERE state = 'queued' AND due_at <= $1")
	const circuits = prepare<{ destination_id: string; state: string }, []>(db, 'SELECT id AS destination_id, circuit_state AS state FROM destinations ORDER BY id')

	return {
		/** Live gauges for a Prometheus scrape: the outbox and every destination's breaker. */
		async scrapeState(now: number) {
			const byState = Object.fromEntries(queue.all().map((r) => [r.state, r.n]))
			return { queue: { queued: byState.queued ?? 0, leased: byState.leased ?? 0, oldestDueAt: oldestDue.get(now)?.due ?? null }, circuits: circuits.all() }
		},
		/** Folds the next events (one UTC hour at most, EVENT_BATCH at most) with ids below `ceiling` into the buckets; null when none is left. */
		async rollEvents(ceiling: string): Promise<VolumeRow[] | null> {
			return rollEvents.immediate(ceiling)
		},
		async rollAttempts(ceiling: string, batch: number): Promise<AttemptRollup | null> {
			return rollAttempts.immediate(ceiling, batch)
		},
		async volume(f: RangeFilter): Promise<Snapshot<VolumeRow[]>> {
			return readVolume(f)
		},
		/** Rolled-up attempts (latency as whole histograms in `hists`), and the tail. */
		async attempts(f: RangeFilter, opts: { latency: boolean }): Promise<Snapshot<AttemptRollup> & { hists: LatencyBucketRow[] }> {
			return readAttempts(f, opts.latency)
		},
		async counts(envId: string) {
			return overview.get(envId) ?? { active_sources: 0, active_destinations: 0, open_issues: 0 }
		},
		async names(envId: string): Promise<{ sources: Map<string, string>; destinations: Map<string, string> }> {
			return {
				sources: new Map(sourceNames.all(envId).map((r) => [r.id, r.name])),
				destinations: new Map(destinationNames.all(envId).map((r) => [r.id, r.name]))
			}
		},
		/** Retention: buckets of `span` that start before `before`. Returns rows deleted. */
		async trim(span: Span, before: number): Promise<number> {
			let n = 0
			for (const s of trims) n += s.run(span, before).changes
			return n
		}
	}
}
