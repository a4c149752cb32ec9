/**
 * Delivery latency as a fixed histogram: the same bounds in the rollups, the
 * metrics API and Prometheus, so buckets from any hours merge by adding counts.
 * A percentile is the upper bound of the bucket holding that rank: exact to the
 * histogram's resolution, never interpolated.
 */
export const LATENCY_BOUNDS_MS = [
	5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 30000, 60000, 120000
] as const

/** The bucket key for an attempt's duration: its upper bound, or 0 for longer than the last bound. */
export function bucketOf(durationMs: number): number {
	for (const le of LATENCY_BOUNDS_MS) if (durationMs <= le) return le
	return 0
}

/** Counts by bucket key (`le_ms`, 0 = overflow). */
export type Histogram = Map<number, number>

export function addTo(h: Histogram, le: number, count: number): void {
	h.set(le, (h.get(le) ?? 0) + count)
}

/**
 * The q-quantile (0 < q ≤ 1): the smallest bound whose cumulative count reaches
 * ceil(q × total). The overflow bucket reports the last bound (a lower bound of
 * the truth). Null for an empty histogram.
 */
export function quantile(h: Histogram, q: number): number | null {
	let total = 0
	for (const n of h.values()) total += n
	if (total === 0) return null
	const rank = Math.max(1, Math.ceil(q * total))
	let seen = 0
	for (const le of LATENCY_BOUNDS_MS) {
		seen += h.get(le) ?? 0
		if (seen >= rank) return le
	}
	return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] as number
}

/** Dense form (the stored one): counts by bound index, the overflow bucket last. */
export function toDense(h: Histogram): number[] {
	return [...LATENCY_BOUNDS_MS.map((le) => h.get(le) ?? 0), h.get(0) ?? 0]
}

/** The bucket key of a dense index. */
export function boundAt(index: number): number {
	return LATENCY_BOUNDS_MS[index] ?? 0
}

export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

/** Minute buckets serve alert windows (kept 2 days); hours and days serve the metrics API. */
export type Span = 'minute' | 'hour' | 'day'

export function spanMs(span: Span): number {
	return span === 'minute' ? MINUTE_MS : span === 'hour' ? HOUR_MS : DAY_MS
}

/** Start of the UTC hour or day holding `ms`. */
export function floorTo(span: Span, ms: number): number {
	const size = spanMs(span)
	return Math.floor(ms / size) * size
}
