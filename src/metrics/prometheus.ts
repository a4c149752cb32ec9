import { LATENCY_BOUNDS_MS } from './histogram'
import type { AttemptRollup, VolumeRow } from './repo'
import type { RollupListener } from './rollup'

type Labels = Record<string, string>

/** Exposition format 0.0.4: label values escape backslash, quote and newline. */
function labelText(labels: Labels): string {
	const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`)
	return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

function num(n: number): string {
	return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN'
}

/** One metric family in text form: HELP, TYPE, samples. */
export class Family {
	readonly lines: string[] = []
	constructor(readonly name: string, readonly type: 'counter' | 'gauge' | 'histogram', readonly help: string) {}
	sample(value: number, labels: Labels = {}, suffix = ''): this {
		this.lines.push(`${this.name}${suffix}${labelText(labels)} ${num(value)}`)
		return this
	}
	text(): string {
		return `# HELP ${this.name} ${this.help.replaceAll('\\', '\\\\').replaceAll('\n', '\\n')}\n# TYPE ${this.name} ${this.type}\n${this.lines.map((l) => `${l}\n`).join('')}`
	}
}

/** A counter keyed by its label values (in a fixed label order). */
class Counter {
	readonly #values = new Map<string, { labels: Labels; value: number }>()
	constructor(readonly name: string, readonly help: string) {}
	inc(labels: Labels, by = 1): void {
		const key = JSON.stringify(labels)
		const entry = this.#values.get(key)
		if (entry) entry.value += by
		else this.#values.set(key, { labels, value: by })
	}
	family(): Family {
		const f = new Family(this.name, 'counter', this.help)
		for (const { labels, value } of this.#values.values()) f.sample(value, labels)
		return f
	}
}

/** Delivery durations per destination over the metrics histogram's bounds (in seconds). */
class DurationHistogram {
	readonly #byDest = new Map<string, { counts: Map<number, number>; count: number }>()
	constructor(readonly name: string, readonly help: string) {}
	add(destinationId: string, leMs: number, count: number): void {
		let h = this.#byDest.get(destinationId)
		if (!h) this.#byDest.set(destinationId, (h = { counts: new Map(), count: 0 }))
		h.counts.set(leMs, (h.counts.get(leMs) ?? 0) + count)
		h.count += count
	}
	family(): Family {
		const f = new Family(this.name, 'histogram', this.help)
		for (const [destination_id, h] of this.#byDest) {
			let cumulative = 0
			for (const le of LATENCY_BOUNDS_MS) {
				cumulative += h.counts.get(le) ?? 0
				f.sample(cumulative, { destination_id, le: String(le / 1000) }, '_bucket')
			}
			f.sample(h.count, { destination_id, le: '+Inf' }, '_bucket')
			// The rollup keeps bucket counts, not exact durations: the sum is estimated from each bucket's upper bound.
			let sum = 0
			for (const [le, n] of h.counts) sum += ((le === 0 ? (LATENCY_BOUNDS_MS.at(-1) as number) : le) / 1000) * n
			f.sample(sum, { destination_id }, '_sum')
			f.sample(h.count, { destination_id }, '_count')
		}
		return f
	}
}

const INGEST_OUTCOMES: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'unknown_source', 410: 'expired', 413: 'too_large', 422: 'schema_rejected', 429: 'rate_limited' }

/** Live state read at scrape time (queue, breakers). */
export interface ScrapeState {
	queue: { queued: number; leased: number; oldestDueAt: number | null }
	circuits: { destination_id: string; state: string }[]
}

/**
 * The process's Prometheus counters. Stored events and attempts arrive from the
 * rollup job (each once, a few seconds after it happened: nothing is added to
 * ingest or delivery); ingest refusals, which store nothing, from one hook.
 */
export class PrometheusMetrics implements RollupListener {
	readonly #events = new Counter('hookstream_events_received_total', 'Ingest requests by source and outcome (accepted: stored, duplicates included; the rest were refused and stored nothing)')
	readonly #deliveries = new Counter('hookstream_deliveries_total', 'Delivery attempts by destination and outcome (success | failure)')
	readonly #errors = new Counter('hookstream_delivery_errors_total', 'Failed delivery attempts by destination and error type')
	readonly #dlq = new Counter('hookstream_deliveries_dead_lettered_total', 'Deliveries sent to the dead-letter queue, by destination')
	readonly #duration = new DurationHistogram('hookstream_delivery_duration_seconds', 'Delivery attempt duration by destination')
	readonly #startedAt = Date.now()

	events(rows: VolumeRow[]): void {
		for (const r of rows) this.#events.inc({ source_id: r.source_id, outcome: 'accepted' }, r.event_count)
	}

	attempts(a: AttemptRollup): void {
		for (const r of a.deliveries) {
			if (r.success_count > 0) this.#deliveries.inc({ destination_id: r.destination_id, outcome: 'success' }, r.success_count)
			if (r.failure_count > 0) this.#deliveries.inc({ destination_id: r.destination_id, outcome: 'failure' }, r.failure_count)
			if (r.dlq_count > 0) this.#dlq.inc({ destination_id: r.destination_id }, r.dlq_count)
		}
		for (const r of a.errors) this.#errors.inc({ destination_id: r.destination_id, error_type: r.error_type }, r.count)
		for (const r of a.latency) this.#duration.add(r.destination_id, r.le_ms, r.count)
	}

	/** An ingest answer that stored nothing. Unknown sources are not labelled by id (anyone can make those up). */
	ingestRefused(sourceId: string | null, status: number): void {
		const outcome = INGEST_OUTCOMES[status] ?? 'error'
		this.#events.inc({ source_id: outcome === 'unknown_source' ? '' : (sourceId ?? ''), outcome })
	}

	/** The whole exposition. */
	render(state: ScrapeState, now: number): string {
		const mem = process.memoryUsage()
		const cpu = process.cpuUsage()
		const families = [
			this.#events.family(), this.#deliveries.family(), this.#errors.family(), this.#dlq.family(), this.#duration.family(),
			new Family('hookstream_queue_depth', 'gauge', 'Deliveries waiting (queued) or in flight (leased)').sample(state.queue.queued, { state: 'queued' }).sample(state.queue.leased, { state: 'leased' }),
			new Family('hookstream_queue_oldest_due_age_seconds', 'gauge', 'How long the oldest due delivery has been waiting (0 when none is due)')
				.sample(state.queue.oldestDueAt === null ? 0 : Math.max(0, (now - state.queue.oldestDueAt) / 1000)),
			this.#circuits(state.circuits),
			new Family('hookstream_process_resident_memory_bytes', 'gauge', 'Resident set size').sample(mem.rss),
			new Family('hookstream_process_heap_bytes', 'gauge', 'JavaScript heap in use').sample(mem.heapUsed),
			new Family('hookstream_process_cpu_seconds_total', 'counter', 'User and system CPU time').sample((cpu.user + cpu.system) / 1e6),
			new Family('hookstream_process_start_time_seconds', 'gauge', 'Process start, seconds since the epoch').sample(Math.floor(this.#startedAt / 1000)),
			new Family('hookstream_process_uptime_seconds', 'gauge', 'Seconds since the process started').sample(Math.round(process.uptime() * 1000) / 1000)
		]
		return families.map((f) => f.text()).join('')
	}

	#circuits(rows: ScrapeState['circuits']): Family {
		const f = new Family('hookstream_circuit_state', 'gauge', 'Circuit breaker state per destination: 1 for the current state')
		for (const r of rows) for (const state of ['closed', 'open', 'half-open']) f.sample(r.state === state ? 1 : 0, { destination_id: r.destination_id, state })
		return f
	}
}
