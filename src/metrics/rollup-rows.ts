import { boundAt, floorTo, type Histogram, type Span, toDense } from './histogram'
import type { AttemptRollup, DeliveryRow, ErrorRow, LatencyRow, VolumeRow } from './repo'

/**
 * What a rolled batch adds to the buckets, as plain rows: the same for both
 * engines (src/metrics/repo.ts writes them one by one, repo-pg.ts in batches).
 */

export const SPANS: Span[] = ['minute', 'hour', 'day']
/** Events listed per rollup transaction. */
export const EVENT_BATCH = 5_000

/** The epoch ms an `evt_`/`da_` id was made at (UUIDv7: the first 48 bits). */
export function timeOfId(id: string): number {
	return Number.parseInt(id.slice(id.indexOf('_') + 1, id.indexOf('_') + 13), 16)
}

/** Re-buckets minute rows into `span` and sums those that then share a key. */
export function rebucket<T extends { bucket: number }>(rows: T[], span: Span, keyOf: (r: T) => string, add: (into: T, r: T) => void): T[] {
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

type Value = string | number

/** A row of repo-sql.ts `attemptGroupsSql`: the attempts of one minute alike in every field an aggregate reads. */
export interface AttemptGroup {
	env_id: string
	destination_id: string
	bucket: number
	/** 1: succeeded. */
	ok: number
	is_dlq: number
	le_ms: number | null
	error_type: string | null
	count: number
}

/** The three attempt aggregates by minute (deliveries, latency bins, error types) of the groups. */
export function foldAttemptGroups(groups: AttemptGroup[]): AttemptRollup {
	const deliveries = new Map<string, DeliveryRow>()
	const latency = new Map<string, LatencyRow>()
	const errors = new Map<string, ErrorRow>()
	for (const g of groups) {
		const { env_id, destination_id, bucket, count } = g
		const key = `${env_id}|${destination_id}|${bucket}`
		let d = deliveries.get(key)
		if (!d) deliveries.set(key, (d = { env_id, destination_id, bucket, delivery_count: 0, success_count: 0, failure_count: 0, dlq_count: 0 }))
		d.delivery_count += count
		if (g.ok === 1) d.success_count += count
		else d.failure_count += count
		if (g.is_dlq === 1) d.dlq_count += count
		if (g.le_ms !== null) {
			const binKey = `${key}|${g.le_ms}`
			const l = latency.get(binKey)
			if (l) l.count += count
			else latency.set(binKey, { env_id, destination_id, bucket, le_ms: g.le_ms, count })
		}
		if (g.ok !== 1 && g.error_type !== null) {
			const typeKey = `${key}|${g.error_type}`
			const e = errors.get(typeKey)
			if (e) e.count += count
			else errors.set(typeKey, { env_id, destination_id, bucket, error_type: g.error_type, count })
		}
	}
	return { deliveries: [...deliveries.values()], latency: [...latency.values()], errors: [...errors.values()] }
}

/** metric_volume rows (env_id, span, bucket, source_id, event_count) for every span. */
export function volumeBuckets(rows: VolumeRow[]): Value[][] {
	const out: Value[][] = []
	for (const span of SPANS) {
		for (const r of rebucket(rows, span, (x) => `${x.env_id}|${x.source_id}`, (x, y) => { x.event_count += y.event_count })) out.push([r.env_id, span, r.bucket, r.source_id, r.event_count])
	}
	return out
}

/** A histogram a batch adds to one (env_id, span, bucket, destination_id) key. */
export interface LatencyAdd { env_id: string; span: Span; bucket: number; destination_id: string; add: Histogram }

/** metric_deliveries and metric_errors rows, and the histograms to merge into metric_latency, for every span. */
export function attemptBuckets(a: AttemptRollup): { deliveries: Value[][]; latency: LatencyAdd[]; errors: Value[][] } {
	const deliveries: Value[][] = []
	const errors: Value[][] = []
	const latency = new Map<string, LatencyAdd>()
	for (const span of SPANS) {
		const d = rebucket(a.deliveries, span, (x) => `${x.env_id}|${x.destination_id}`, (x, y) => {
			x.delivery_count += y.delivery_count
			x.success_count += y.success_count
			x.failure_count += y.failure_count
			x.dlq_count += y.dlq_count
		})
		for (const r of d) deliveries.push([r.env_id, span, r.bucket, r.destination_id, r.delivery_count, r.success_count, r.failure_count, r.dlq_count])
		for (const r of a.latency) addLatency(latency, span, r)
		for (const r of rebucket(a.errors, span, (x) => `${x.env_id}|${x.destination_id}|${x.error_type}`, (x, y) => { x.count += y.count })) {
			errors.push([r.env_id, span, r.bucket, r.destination_id, r.error_type, r.count])
		}
	}
	return { deliveries, latency: [...latency.values()], errors }
}

function addLatency(into: Map<string, LatencyAdd>, span: Span, r: LatencyRow): void {
	const bucket = floorTo(span, r.bucket)
	const key = `${span}|${r.env_id}|${bucket}|${r.destination_id}`
	let entry = into.get(key)
	if (!entry) into.set(key, (entry = { env_id: r.env_id, span, bucket, destination_id: r.destination_id, add: new Map() }))
	entry.add.set(r.le_ms, (entry.add.get(r.le_ms) ?? 0) + r.count)
}

/** The stored histogram (dense JSON, or none yet) plus what a batch adds, as the dense JSON to store. */
export function mergedCounts(stored: string | null | undefined, add: Histogram): string {
	const h: Histogram = new Map()
	if (stored) (JSON.parse(stored) as number[]).forEach((n, i) => n > 0 && h.set(boundAt(i), n))
	for (const [le, n] of add) h.set(le, (h.get(le) ?? 0) + n)
	return JSON.stringify(toDense(h))
}
