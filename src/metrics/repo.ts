import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, whereOf } from '../db/sql'
import { DAY_MS, HOUR_MS, LATENCY_BOUNDS_MS, type Span } from './histogram'

export interface VolumeRow { env_id: string; source_id: string; bucket: number; event_count: number; duplicate_count: number }
export interface DeliveryRow { env_id: string; destination_id: string; bucket: number; delivery_count: number; success_count: number; failure_count: number; dlq_count: number }
export interface LatencyRow { env_id: string; destination_id: string; bucket: number; le_ms: number; count: number }
export interface ErrorRow { env_id: string; destination_id: string; bucket: number; error_type: string; count: number }
export interface AttemptRollup { deliveries: DeliveryRow[]; latency: LatencyRow[]; errors: ErrorRow[] }

/** What one query sees: the rolled-up buckets, and the not-yet-rolled rows aggregated by hour. */
export interface Snapshot<T> { rolled: T; tail: T }

export interface RangeFilter { envId: string; span: Span; from: number; to: number; sourceId?: string | null; destinationId?: string | null }

// Portable integer arithmetic: both SQLite and PostgreSQL divide integers as integers.
const HOUR = (col: string) => `(${col} / ${HOUR_MS}) * ${HOUR_MS}`
const LE_CASE = `CASE ${LATENCY_BOUNDS_MS.map((le) => `WHEN duration_ms <= ${le} THEN ${le}`).join(' ')} ELSE 0 END`

const EVENTS = 'events'
const ATTEMPTS = 'attempts'

/** Aggregates of raw rows in (lo, hi], by hour: the rollup job's input and the API's tail. */
function rawAggregates(db: Database) {
	const range = (idCol: string, lo: string, hi: string, env: string | null, timeCol: string, from: number | null, to: number | null, extra: [string, string | null | undefined][] = []) =>
		whereOf([[`${idCol} > ?`, lo], [`${idCol} <= ?`, hi], ['env_id = ?', env], [`${timeCol} >= ?`, from], [`${timeCol} < ?`, to], ...extra])
	return {
		events(lo: string, hi: string, env: string | null = null, from: number | null = null, to: number | null = null, sourceId: string | null = null): VolumeRow[] {
			const w = range('id', lo, hi, env, 'received_at', from, to, [['source_id = ?', sourceId]])
			return prepare<VolumeRow, SqlValue[]>(db, `SELECT env_id, source_id, ${HOUR('received_at')} AS bucket, COUNT(*) AS event_count,
				SUM(CASE WHEN dedup_status = 'duplicate' THEN 1 ELSE 0 END) AS duplicate_count
				FROM events WHERE ${w.sql} GROUP BY env_id, source_id, ${HOUR('received_at')}`).all(...w.params)
		},
		attempts(lo: string, hi: string, env: string | null = null, from: number | null = null, to: number | null = null, destinationId: string | null = null): AttemptRollup {
			const w = () => range('id', lo, hi, env, 'created_at', from, to, [['destination_id = ?', destinationId]])
			const a = w()
			const deliveries = prepare<DeliveryRow, SqlValue[]>(db, `SELECT env_id, destination_id, ${HOUR('created_at')} AS bucket, COUNT(*) AS delivery_count,
				SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS success_count, SUM(CASE WHEN status = 'success' THEN 0 ELSE 1 END) AS failure_count,
				SUM(CASE WHEN is_dlq = 1 THEN 1 ELSE 0 END) AS dlq_count
				FROM delivery_attempts WHERE ${a.sql} GROUP BY env_id, destination_id, ${HOUR('created_at')}`).all(...a.params)
			const l = w()
			const latency = prepare<LatencyRow, SqlValue[]>(db, `SELECT env_id, destination_id, ${HOUR('created_at')} AS bucket, ${LE_CASE} AS le_ms, COUNT(*) AS count
				FROM delivery_attempts WHERE ${l.sql} AND duration_ms IS NOT NULL GROUP BY env_id, destination_id, ${HOUR('created_at')}, ${LE_CASE}`).all(...l.params)
			const e = w()
			const errors = prepare<ErrorRow, SqlValue[]>(db, `SELECT env_id, destination_id, ${HOUR('created_at')} AS bucket, error_type, COUNT(*) AS count
				FROM delivery_attempts WHERE ${e.sql} AND status <> 'success' AND error_type IS NOT NULL GROUP BY env_id, destination_id, ${HOUR('created_at')}, error_type`).all(...e.params)
			return { deliveries, latency, errors }
		}
	}
}

/** Re-buckets hourly rows into days (a day is 24 whole UTC hours). */
function toDays<T extends { bucket: number }>(rows: T[]): T[] {
	return rows.map((r) => ({ ...r, bucket: Math.floor(r.bucket / DAY_MS) * DAY_MS }))
}

function upserts(db: Database) {
	const volume = prepare(db, `INSERT INTO metric_volume (env_id, span, bucket, source_id, event_count, duplicate_count) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (env_id, span, bucket, source_id) DO UPDATE SET event_count = metric_volume.event_count + excluded.event_count,
		duplicate_count = metric_volume.duplicate_count + excluded.duplicate_count`)
	const deliveries = prepare(db, `INSERT INTO metric_deliveries (env_id, span, bucket, destination_id, delivery_count, success_count, failure_count, dlq_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (env_id, span, bucket, destination_id) DO UPDATE SET
		delivery_count = metric_deliveries.delivery_count + excluded.delivery_count, success_count = metric_deliveries.success_count + excluded.success_count,
		failure_count = metric_deliveries.failure_count + excluded.failure_count, dlq_count = metric_deliveries.dlq_count + excluded.dlq_count`)
	const latency = prepare(db, `INSERT INTO metric_latency (env_id, span, bucket, destination_id, le_ms, count) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (env_id, span, bucket, destination_id, le_ms) DO UPDATE SET count = metric_latency.count + excluded.count`)
	const errors = prepare(db, `INSERT INTO metric_errors (env_id, span, bucket, destination_id, error_type, count) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (env_id, span, bucket, destination_id, error_type) DO UPDATE SET count = metric_errors.count + excluded.count`)
	return {
		volume(rows: VolumeRow[]) {
			for (const span of ['hour', 'day'] as const) for (const r of span === 'hour' ? rows : toDays(rows)) volume.run(r.env_id, span, r.bucket, r.source_id, r.event_count, r.duplicate_count)
		},
		attempts(a: AttemptRollup) {
			for (const span of ['hour', 'day'] as const) {
				for (const r of span === 'hour' ? a.deliveries : toDays(a.deliveries)) deliveries.run(r.env_id, span, r.bucket, r.destination_id, r.delivery_count, r.success_count, r.failure_count, r.dlq_count)
				for (const r of span === 'hour' ? a.latency : toDays(a.latency)) latency.run(r.env_id, span, r.bucket, r.destination_id, r.le_ms, r.count)
				for (const r of span === 'hour' ? a.errors : toDays(a.errors)) errors.run(r.env_id, span, r.bucket, r.destination_id, r.error_type, r.count)
			}
		}
	}
}

export type MetricsRepo = ReturnType<typeof createMetricsRepo>

export function createMetricsRepo(db: Database) {
	const raw = rawAggregates(db)
	const upsert = upserts(db)
	const getMark = prepare<{ last_id: string }, [string]>(db, 'SELECT last_id FROM metric_watermarks WHERE name = $1')
	const setMark = prepare(db, 'INSERT INTO metric_watermarks (name, last_id) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id')
	const nthEvent = prepare<{ id: string }, [string, string, number]>(db, 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1 OFFSET $3')
	const lastEvent = prepare<{ id: string }, [string, string]>(db, 'SELECT id FROM events WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT 1')
	const nthAttempt = prepare<{ id: string }, [string, string, number]>(db, 'SELECT id FROM delivery_attempts WHERE id > $1 AND id < $2 ORDER BY id LIMIT 1 OFFSET $3')
	const lastAttempt = prepare<{ id: string }, [string, string]>(db, 'SELECT id FROM delivery_attempts WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT 1')
	const mark = (name: string) => getMark.get(name)?.last_id ?? ''

	/** The end of the next batch: the batch-th id past the mark, else the last one below the ceiling. */
	const batchEnd = (nth: typeof nthEvent, last: typeof lastEvent, lo: string, ceiling: string, batch: number) =>
		nth.get(lo, ceiling, batch - 1)?.id ?? last.get(lo, ceiling)?.id ?? null

	const rollEvents = db.transaction((ceiling: string, batch: number): VolumeRow[] | null => {
		const lo = mark(EVENTS)
		const hi = batchEnd(nthEvent, lastEvent, lo, ceiling, batch)
		if (hi === null) return null
		const rows = raw.events(lo, hi)
		upsert.volume(rows)
		setMark.run(EVENTS, hi)
		return rows
	})
	const rollAttempts = db.transaction((ceiling: string, batch: number): AttemptRollup | null => {
		const lo = mark(ATTEMPTS)
		const hi = batchEnd(nthAttempt, lastAttempt, lo, ceiling, batch)
		if (hi === null) return null
		const rows = raw.attempts(lo, hi)
		upsert.attempts(rows)
		setMark.run(ATTEMPTS, hi)
		return rows
	})

	// Every read sees one consistent cut: the mark and the buckets it covers, then the rows past it.
	const readVolume = db.transaction((f: RangeFilter): Snapshot<VolumeRow[]> => {
		const w = whereOf([['env_id = ?', f.envId], ['span = ?', f.span], ['bucket >= ?', f.from], ['bucket < ?', f.to], ['source_id = ?', f.sourceId]])
		const rolled = prepare<VolumeRow, SqlValue[]>(db, `SELECT env_id, source_id, bucket, event_count, duplicate_count FROM metric_volume WHERE ${w.sql}`).all(...w.params)
		return { rolled, tail: raw.events(mark(EVENTS), 'evt_g', f.envId, f.from, f.to, f.sourceId ?? null) }
	})
	const readAttempts = db.transaction((f: RangeFilter, latency: boolean): Snapshot<AttemptRollup> => {
		const w = () => whereOf([['env_id = ?', f.envId], ['span = ?', f.span], ['bucket >= ?', f.from], ['bucket < ?', f.to], ['destination_id = ?', f.destinationId]])
		const d = w()
		const deliveries = prepare<DeliveryRow, SqlValue[]>(db, `SELECT env_id, destination_id, bucket, delivery_count, success_count, failure_count, dlq_count FROM metric_deliveries WHERE ${d.sql}`).all(...d.params)
		const e = w()
		const errors = prepare<ErrorRow, SqlValue[]>(db, `SELECT env_id, destination_id, bucket, error_type, count FROM metric_errors WHERE ${e.sql}`).all(...e.params)
		const l = w()
		const lat = latency ? prepare<LatencyRow, SqlValue[]>(db, `SELECT env_id, destination_id, bucket, le_ms, count FROM metric_latency WHERE ${l.sql}`).all(...l.params) : []
		return { rolled: { deliveries, latency: lat, errors }, tail: raw.attempts(mark(ATTEMPTS), 'da_g', f.envId, f.from, f.to, f.destinationId ?? null) }
	})
	const counts = prepare<{ active_sources: number; active_destinations: number; open_issues: number }, [string]>(db, `SELECT
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
		/** Folds up to `batch` events with ids below `ceiling` into the buckets; null when none is left. */
		async rollEvents(ceiling: string, batch: number): Promise<VolumeRow[] | null> {
			return rollEvents.immediate(ceiling, batch)
		},
		async rollAttempts(ceiling: string, batch: number): Promise<AttemptRollup | null> {
			return rollAttempts.immediate(ceiling, batch)
		},
		async volume(f: RangeFilter): Promise<Snapshot<VolumeRow[]>> {
			return readVolume(f)
		},
		async attempts(f: RangeFilter, opts: { latency: boolean }): Promise<Snapshot<AttemptRollup>> {
			return readAttempts(f, opts.latency)
		},
		async counts(envId: string) {
			return counts.get(envId) ?? { active_sources: 0, active_destinations: 0, open_issues: 0 }
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
