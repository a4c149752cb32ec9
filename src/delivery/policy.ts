import type { DestinationRow } from '../destinations/repo'

/** Retry settings of a destination (reference §3.5). */
export interface RetryPolicy {
	enabled: boolean
	/** Total attempts, the first one included. */
	maxAttempts: number
	backoff: 'exponential' | 'linear' | 'fixed'
	/** Delays in seconds, read as `backoff` says. */
	intervalsSec: number[]
	/** Milliseconds per second of `intervalsSec`: 1000, shrunk by tests through `--retry-unit-ms`. */
	unitMs: number
}

/** Circuit-breaker settings of a destination (reference §3.6). */
export interface BreakerPolicy {
	enabled: boolean
	/** Consecutive failures that open the breaker. */
	threshold: number
	/** Cooldown before the half-open probe. */
	resetMs: number
}

/** What decides the next step after an attempt: built once, when the worker loads the destination. */
export interface DeliveryPolicy {
	retry: RetryPolicy
	breaker: BreakerPolicy
}

/** Reads the policy columns of a destination row (0/1 flags, intervals as JSON text). */
export function policyOf(row: DestinationRow, retryUnitMs: number): DeliveryPolicy {
	return {
		retry: {
			enabled: row.retry_enabled === 1,
			maxAttempts: row.retry_max_attempts,
			backoff: row.retry_backoff_type as RetryPolicy['backoff'],
			intervalsSec: JSON.parse(row.retry_intervals) as number[],
			unitMs: retryUnitMs
		},
		breaker: { enabled: row.circuit_breaker_enabled === 1, threshold: row.circuit_breaker_threshold, resetMs: row.circuit_breaker_reset_ms }
	}
}
