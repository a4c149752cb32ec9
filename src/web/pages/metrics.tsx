import { get } from '../api'
import { Empty, ErrorBox, Field, Link, Loading, navigate, Page, useLoad, useLocation } from '../ui'
import { BarChart, fmt, LineChart } from './charts'

/** The picker's windows: hourly buckets up to a week, daily beyond (the API's two granularities). */
const RANGES: Record<string, { label: string; hours: number; span: 'hour' | 'day' }> = {
	'24h': { label: 'Last 24 hours', hours: 24, span: 'hour' },
	'7d': { label: 'Last 7 days', hours: 24 * 7, span: 'hour' },
	'30d': { label: 'Last 30 days', hours: 24 * 30, span: 'day' },
	'90d': { label: 'Last 90 days', hours: 24 * 90, span: 'day' }
}

interface Overview { events_today: number; deliveries_today: number; success_rate_today: number | null; dlq_count: number; active_sources: number; active_destinations: number }
interface Volume { series: { bucket: string; event_count: number }[] }
interface Deliveries { series: { bucket: string; delivery_count: number; success_count: number; failure_count: number; dlq_count: number }[] }
interface Latency { series: { bucket: string; destination_id: string; p50: number; p95: number; p99: number }[] }
interface Errors { errors: { destination_id: string; destination_name: string | null; error_type: string; count: number }[]; total: number }

const HOUR = 3600_000

/** Every bucket start in the window, so empty hours show as gaps or zeros rather than vanishing. */
function buckets(after: number, before: number, span: 'hour' | 'day'): number[] {
	const size = span === 'hour' ? HOUR : 24 * HOUR
	const out: number[] = []
	for (let t = Math.floor(after / size) * size; t < before; t += size) out.push(t)
	return out
}

function label(t: number, span: 'hour' | 'day'): string {
	const iso = new Date(t).toISOString()
	return span === 'hour' ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}:00` : iso.slice(5, 10)
}

async function loadAll(range: string, destination: string) {
	const r = RANGES[range] ?? (RANGES['24h'] as (typeof RANGES)[string])
	const before = Date.now()
	const after = before - r.hours * HOUR
	const q = { after: new Date(after).toISOString(), before: new Date(before).toISOString() }
	const d = destination || undefined
	const [overview, volume, deliveries, latency, errors, dests] = await Promise.all([
		get<Overview>('/v1/metrics/overview'),
		get<Volume>('/v1/metrics/volume', { ...q, granularity: r.span }),
		get<Deliveries>('/v1/metrics/deliveries', { ...q, granularity: r.span, destination_id: d }),
		get<Latency>('/v1/metrics/latency', { ...q, destination_id: d }),
		get<Errors>('/v1/metrics/errors', { ...q, destination_id: d }),
		get<{ destinations: { id: string; name: string }[] }>('/v1/destinations', { limit: 100 })
	])
	return { r, after, before, overview, volume, deliveries, latency, errors, destinations: dests.destinations }
}

type Data = Awaited<ReturnType<typeof loadAll>>

/** Sums a per-source or per-destination series into one value per bucket. */
function perBucket<T extends { bucket: string }>(rows: T[], times: number[], pick: (row: T) => number): number[] {
	const at = new Map(times.map((t, i) => [t, i]))
	const out = times.map(() => 0)
	for (const row of rows) {
		const i = at.get(Date.parse(row.bucket))
		if (i !== undefined) out[i] = (out[i] ?? 0) + pick(row)
	}
	return out
}

function Charts({ data }: { data: Data }) {
	const { r } = data
	const times = buckets(data.after, data.before, r.span)
	const labels = times.map((t) => label(t, r.span))
	const events = perBucket(data.volume.series, times, (s) => s.event_count)
	const ok = perBucket(data.deliveries.series, times, (s) => s.success_count)
	const failed = perBucket(data.deliveries.series, times, (s) => s.failure_count)
	const rate = times.map((_, i) => ((ok[i] ?? 0) + (failed[i] ?? 0) ? (100 * (ok[i] ?? 0)) / ((ok[i] ?? 0) + (failed[i] ?? 0)) : null))
	const hours = buckets(data.after, data.before, 'hour')
	// Percentiles do not add up across destinations: with several, each hour shows the slowest one's.
	const worst = (p: 'p50' | 'p95' | 'p99') => {
		const at = new Map(hours.map((t, i) => [t, i]))
		const out: (number | null)[] = hours.map(() => null)
		for (const s of data.latency.series) {
			const i = at.get(Date.parse(s.bucket))
			if (i !== undefined) out[i] = Math.max(out[i] ?? 0, s[p])
		}
		return out
	}
	const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
	const totalOk = sum(ok)
	const totalAll = totalOk + sum(failed)
	const p95 = worst('p95').filter((v): v is number => v !== null)
	return (
		<div class="charts">
			<BarChart testid="chart-volume" title="Events received" labels={labels} series={[{ name: 'Events', values: events }]} summary={`${sum(events)} events in ${r.label.toLowerCase()}`} />
			<BarChart testid="chart-deliveries" title="Delivery attempts" labels={labels} series={[{ name: 'Succeeded', values: ok }, { name: 'Failed', values: failed }]} summary={`${totalAll} attempts, ${totalOk} succeeded, ${totalAll - totalOk} failed`} />
			<LineChart testid="chart-success" title="Success rate" labels={labels} unit="%" max={100} series={[{ name: 'Success rate', values: rate }]} summary={totalAll ? `${fmt((100 * totalOk) / totalAll)}% over the window` : 'no attempts in the window'} />
			<LineChart testid="chart-latency" title="Latency percentiles (hourly)" labels={hours.map((t) => label(t, 'hour'))} unit=" ms" series={[{ name: 'p50', values: worst('p50') }, { name: 'p95', values: worst('p95') }, { name: 'p99', values: worst('p99') }]} summary={p95.length ? `p95 up to ${Math.max(...p95)} ms` : 'no attempts in the window'} />
			<ErrorList errors={data.errors} />
		</div>
	)
}

function ErrorList({ errors }: { errors: Errors }) {
	const top = Math.max(1, ...errors.errors.map((e) => e.count))
	return (
		<figure class="chart" data-testid="chart-errors">
			<figcaption>Errors by destination and type ({errors.total})</figcaption>
			{errors.errors.length === 0 ? <p class="muted">No failed attempts in this window.</p> : (
				<table class="table bars">
					<thead><tr><th>Destination</th><th>Error</th><th>Attempts</th></tr></thead>
					<tbody>
						{errors.errors.map((e) => (
							<tr key={`${e.destination_id}-${e.error_type}`}>
								<td><Link href={`/dashboard/destinations/${e.destination_id}`}>{e.destination_name ?? e.destination_id}</Link></td>
								<td><code>{e.error_type}</code></td>
								<td><span class="hbar" style={{ width: `${(100 * e.count) / top}%` }} aria-hidden="true" /> {e.count}</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
		</figure>
	)
}

function Stats({ o }: { o: Overview }) {
	return (
		<div class="stats" data-testid="metrics-today">
			<div class="stat"><strong>{o.events_today}</strong> events today</div>
			<div class="stat"><strong>{o.deliveries_today}</strong> deliveries today</div>
			<div class="stat"><strong>{o.success_rate_today === null ? '—' : `${o.success_rate_today}%`}</strong> success today</div>
			<div class="stat"><strong>{o.dlq_count}</strong> sent to the DLQ</div>
		</div>
	)
}

export function Metrics() {
	const { query } = useLocation()
	const range = RANGES[query.get('range') ?? ''] ? (query.get('range') as string) : '24h'
	const destination = query.get('destination_id') ?? ''
	const loaded = useLoad(() => loadAll(range, destination), [range, destination])
	const set = (key: string, value: string) => {
		const q = new URLSearchParams(location.search)
		if (value) q.set(key, value)
		else q.delete(key)
		navigate(`/dashboard/metrics?${q}`, true)
	}
	const d = loaded.data
	const quiet = d && d.volume.series.length === 0 && d.deliveries.series.length === 0
	return (
		<Page title="Metrics" actions={<button type="button" class="btn" onClick={loaded.reload} disabled={loaded.loading}>Refresh</button>}>
			<div class="filters">
				<Field label="Time range" hint="Buckets are UTC hours or days">
					<select value={range} onChange={(e) => set('range', (e.target as HTMLSelectElement).value)}>
						{Object.entries(RANGES).map(([k, v]) => <option key={k} value={k}>{v.label}</option>)}
					</select>
				</Field>
				<Field label="Destination" hint="Deliveries, latency and errors">
					<select value={destination} onChange={(e) => set('destination_id', (e.target as HTMLSelectElement).value)}>
						<option value="">All destinations</option>
						{d?.destinations.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
					</select>
				</Field>
			</div>
			<ErrorBox error={loaded.error} />
			<Loading loaded={loaded} />
			{d ? <Stats o={d.overview} /> : null}
			{quiet ? (
				<Empty title="No traffic in this window">
					<p class="muted">Events and deliveries show here within a few seconds of arriving. <Link href="/dashboard/sources">Send an event to a source</Link> or pick a longer range.</p>
				</Empty>
			) : null}
			{d ? <Charts data={d} /> : null}
		</Page>
	)
}
