import type { AuthContext } from '../auth/service'
import { type Clock, toIso } from '../lib/clock'
import { ValidationFailed } from '../lib/errors'
import { addTo, boundAt, DAY_MS, floorTo, type Histogram, LATENCY_BOUNDS_MS, quantile, type Span } from './histogram'
import type { AttemptRollup, MetricsRepo, RangeFilter, VolumeRow } from './repo'

/** Longest window one query may cover (the daily rollups' life). */
const MAX_RANGE_MS = 400 * DAY_MS

interface WindowQuery { after?: string | undefined; before?: string | undefined; granularity?: Span | undefined }

function parseTime(value: string | undefined, name: string, fallback: number): number {
	if (value === undefined) return fallback
	const ms = Date.parse(value)
	if (Number.isNaN(ms)) throw new ValidationFailed(`/${name}`, 'must be an ISO 8601 timestamp', 'query')
	return ms
}

/** Plain code-unit order: ids are ASCII, and localeCompare costs a microsecond a call. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function pct(part: number, whole: number): number {
	return Math.round((part / whole) * 10_000) / 100
}

/** Sums rows that share a key (rolled buckets and the tail's re-bucketed hours). */
function merge<T extends { bucket: number }>(rows: T[], span: Span, keyOf: (r: T) => string, add: (into: T, r: T) => void): T[] {
	const out = new Map<string, T>()
	for (const r of rows) {
		r.bucket = floorTo(span, r.bucket) // rows are fresh from the query: safe to adjust in place
		const key = `${r.bucket}|${keyOf(r)}`
		const seen = out.get(key)
		if (seen) add(seen, r)
		else out.set(key, r)
	}
	return [...out.values()].sort((a, b) => a.bucket - b.bucket || cmp(keyOf(a), keyOf(b)))
}

function mergeAttempts(s: { rolled: AttemptRollup; tail: AttemptRollup }, span: Span): AttemptRollup {
	return {
		deliveries: merge([...s.rolled.deliveries, ...s.tail.deliveries], span, (r) => r.destination_id, (a, r) => {
			a.delivery_count += r.delivery_count
			a.success_count += r.success_count
			a.failure_count += r.failure_count
			a.dlq_count += r.dlq_count
		}),
		latency: merge([...s.rolled.latency, ...s.tail.latency], span, (r) => `${r.destination_id}|${r.le_ms}`, (a, r) => { a.count += r.count }),
		errors: merge([...s.rolled.errors, ...s.tail.errors], span, (r) => `${r.destination_id}|${r.error_type}`, (a, r) => { a.count += r.count })
	}
}

const mergeVolume = (s: { rolled: VolumeRow[]; tail: VolumeRow[] }, span: Span) =>
	merge([...s.rolled, ...s.tail], span, (r) => r.source_id, (a, r) => {
		a.event_count += r.event_count
	})

/** Reference §2.9 / §3.13, served from the rollups plus the rows the rollup job has not reached yet. */
export class MetricsService {
	constructor(
		private readonly repo: MetricsRepo,
		private readonly clock: Clock
	) {}

	#window(auth: AuthContext, q: WindowQuery, span: Span): Pick<RangeFilter, 'envId' | 'span' | 'from' | 'to'> {
		const now = this.clock.now()
		const to = parseTime(q.before, 'before', now)
		const after = parseTime(q.after, 'after', to - DAY_MS)
		if (after >= to) throw new ValidationFailed('/after', 'must be earlier than before', 'query')
		if (to - after > MAX_RANGE_MS) throw new ValidationFailed('/after', 'the window may cover at most 400 days', 'query')
		return { envId: auth.envId, span, from: floorTo(span, after), to }
	}

	async overview(auth: AuthContext) {
		const now = this.clock.now()
		const today = floorTo('day', now)
		const env = auth.envId
		const [week, attempts, dlq, counts] = await Promise.all([
			this.repo.volume({ envId: env, span: 'day', from: today - 6 * DAY_MS, to: now + 1 }),
			this.repo.attempts({ envId: env, span: 'day', from: today, to: now + 1 }, { latency: false }),
			this.repo.attempts({ envId: env, span: 'day', from: 0, to: now + 1 }, { latency: false }),
			this.repo.counts(env)
		])
		const volume = mergeVolume(week, 'day')
		const sum = <T>(rows: T[], f: (r: T) => number) => rows.reduce((n, r) => n + f(r), 0)
		const todays = mergeAttempts(attempts, 'day').deliveries
		const deliveries = sum(todays, (r) => r.delivery_count)
		const success = sum(todays, (r) => r.success_count)
		return {
			events_today: sum(volume.filter((r) => r.bucket === today), (r) => r.event_count),
			events_this_week: sum(volume, (r) => r.event_count),
			active_sources: counts.active_sources,
			deliveries_today: deliveries,
			success_today: success,
			failed_today: sum(todays, (r) => r.failure_count),
			success_rate_today: deliveries === 0 ? null : pct(success, deliveries),
			dlq_count: sum([...dlq.rolled.deliveries, ...dlq.tail.deliveries], (r) => r.dlq_count),
			active_destinations: counts.active_destinations,
			open_issues: counts.open_issues,
			active_collections: 0
		}
	}

	async volume(auth: AuthContext, q: WindowQuery & { source_id?: string | undefined }) {
		const span = q.granularity ?? 'hour'
		const w = this.#window(auth, q, span)
		const [snap, names] = await Promise.all([this.repo.volume({ ...w, sourceId: q.source_id ?? null }), this.repo.names(auth.envId)])
		const series = mergeVolume(snap, span).map((r) => ({
			bucket: toIso(r.bucket), source_id: r.source_id, source_name: names.sources.get(r.source_id) ?? null, event_count: r.event_count
		}))
		return { series, granularity: span }
	}

	async deliveries(auth: AuthContext, q: WindowQuery & { destination_id?: string | undefined }) {
		const span = q.granularity ?? 'hour'
		const w = this.#window(auth, q, span)
		const [snap, names] = await Promise.all([this.repo.attempts({ ...w, destinationId: q.destination_id ?? null }, { latency: false }), this.repo.names(auth.envId)])
		const series = mergeAttempts(snap, span).deliveries.map((r) => ({
			bucket: toIso(r.bucket), destination_id: r.destination_id, destination_name: names.destinations.get(r.destination_id) ?? null,
			delivery_count: r.delivery_count, success_count: r.success_count, failure_count: r.failure_count, dlq_count: r.dlq_count,
			success_rate: pct(r.success_count, r.delivery_count)
		}))
		return { series, granularity: span }
	}

	async latency(auth: AuthContext, q: WindowQuery & { destination_id?: string | undefined }) {
		const w = this.#window(auth, q, 'hour')
		const [snap, names] = await Promise.all([this.repo.attempts({ ...w, destinationId: q.destination_id ?? null }, { latency: true }), this.repo.names(auth.envId)])
		// Straight into one histogram per hour and destination: this is the largest read (one row per non-empty bin).
		const hists = new Map<string, { bucket: number; destination_id: string; h: Histogram; count: number }>()
		const entryOf = (bucket: number, destination_id: string) => {
			const key = `${bucket}|${destination_id}`
			let entry = hists.get(key)
			if (!entry) hists.set(key, (entry = { bucket, destination_id, h: new Map(), count: 0 }))
			return entry
		}
		for (const r of snap.hists) {
			const entry = entryOf(r.bucket, r.destination_id)
			const counts = JSON.parse(r.counts) as number[]
			for (let i = 0; i < counts.length; i++) {
				const n = counts[i] as number
				if (n === 0) continue
				addTo(entry.h, boundAt(i), n)
				entry.count += n
			}
		}
		for (const r of snap.tail.latency) {
			// The tail is aggregated by minute: fold it into the hour like the rolled-up rows.
			const entry = entryOf(floorTo(w.span, r.bucket), r.destination_id)
			addTo(entry.h, r.le_ms, r.count)
			entry.count += r.count
		}
		const series = [...hists.values()].sort((a, b) => a.bucket - b.bucket || cmp(a.destination_id, b.destination_id)).map((e) => ({
			bucket: toIso(e.bucket), destination_id: e.destination_id, destination_name: names.destinations.get(e.destination_id) ?? null, count: e.count,
			p50: quantile(e.h, 0.5) as number, p95: quantile(e.h, 0.95) as number, p99: quantile(e.h, 0.99) as number
		}))
		return { series, granularity: 'hour' as const, bounds_ms: [...LATENCY_BOUNDS_MS] }
	}

	async errors(auth: AuthContext, q: WindowQuery & { destination_id?: string | undefined }) {
		const w = this.#window(auth, q, 'hour')
		const [snap, names] = await Promise.all([this.repo.attempts({ ...w, destinationId: q.destination_id ?? null }, { latency: false }), this.repo.names(auth.envId)])
		const totals = new Map<string, { destination_id: string; error_type: string; count: number }>()
		for (const r of [...snap.rolled.errors, ...snap.tail.errors]) {
			const key = `${r.destination_id}|${r.error_type}`
			const seen = totals.get(key)
			if (seen) seen.count += r.count
			else totals.set(key, { destination_id: r.destination_id, error_type: r.error_type, count: r.count })
		}
		const errors = [...totals.values()]
			.sort((a, b) => b.count - a.count || cmp(a.destination_id, b.destination_id) || cmp(a.error_type, b.error_type))
			.map((e) => ({ destination_id: e.destination_id, destination_name: names.destinations.get(e.destination_id) ?? null, error_type: e.error_type, count: e.count }))
		return { errors, total: errors.reduce((n, e) => n + e.count, 0) }
	}
}
