import type { RetryPolicy } from './policy'

/**
 * Delay before retry number `retry` (1 = the first retry), deterministic, no jitter:
 * exponential = intervals[min(N-1, len-1)]; linear = intervals[0] × N; fixed = intervals[0].
 */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
	const scaleMs = policy.unitMs
	const first = policy.intervalsSec[0] ?? 30
	switch (policy.backoff) {
		case 'linear':
			return first * retry * scaleMs
		case 'fixed':
			return first * scaleMs
		default: {
			const i = Math.min(retry - 1, policy.intervalsSec.length - 1)
			return (policy.intervalsSec[i] ?? first) * scaleMs
		}
	}
}

/**
 * `Retry-After` (seconds or an HTTP date) on a 429/503 replaces the computed
 * delay, but never beyond twice that delay: a receiver cannot park a delivery
 * for a day with one header.
 */
export function honourRetryAfter(computedMs: number, status: number | null, header: string | null, nowMs: number): number {
	if (!header || (status !== 429 && status !== 503)) return computedMs
	const seconds = /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - nowMs
	if (!Number.isFinite(seconds) || seconds < 0) return computedMs
	return Math.min(seconds, computedMs * 2)
}

/** Whether another attempt follows `attemptsMade` failed ones. */
export function shouldRetry(policy: RetryPolicy, attemptsMade: number): boolean {
	return policy.enabled && attemptsMade < policy.maxAttempts
}
