import { describe, expect, it } from 'bun:test'
import { admission, type Circuit, onFailure, onSuccess, toHalfOpen } from '../../src/delivery/breaker'
import { honourRetryAfter, retryDelayMs, shouldRetry } from '../../src/delivery/retry'

const intervals = [30, 300, 1800, 7200, 86400]

describe('retry policy (reference §3.5)', () => {
	it('exponential uses the intervals as a table, reusing the last', () => {
		const p = { enabled: true, maxAttempts: 10, backoff: 'exponential' as const, intervalsSec: intervals, unitMs: 1000 }
		expect([1, 2, 3, 4, 5, 6, 9].map((n) => retryDelayMs(p, n) / 1000)).toEqual([30, 300, 1800, 7200, 86400, 86400, 86400])
	})

	it('linear multiplies the first interval; fixed repeats it', () => {
		expect([1, 2, 3, 4, 5].map((n) => retryDelayMs({ enabled: true, maxAttempts: 5, backoff: 'linear', intervalsSec: intervals, unitMs: 1000 }, n) / 1000)).toEqual([30, 60, 90, 120, 150])
		expect([1, 2, 5].map((n) => retryDelayMs({ enabled: true, maxAttempts: 5, backoff: 'fixed', intervalsSec: intervals, unitMs: 1000 }, n) / 1000)).toEqual([30, 30, 30])
	})

	it('counts every attempt, the first included', () => {
		const p = { enabled: true, maxAttempts: 3, backoff: 'fixed' as const, intervalsSec: [1], unitMs: 1000 }
		expect([1, 2, 3].map((n) => shouldRetry(p, n))).toEqual([true, true, false])
		expect(shouldRetry({ ...p, enabled: false }, 1)).toBe(false)
	})

	it('honours Retry-After on 429 and 503 only, capped at twice the computed delay', () => {
		const now = Date.parse('2026-01-01T00:00:00Z')
		expect(honourRetryAfter(30_000, 429, '10', now)).toBe(10_000)
		expect(honourRetryAfter(30_000, 503, '120', now)).toBe(60_000)
		expect(honourRetryAfter(30_000, 503, new Date(now + 45_000).toUTCString(), now)).toBe(45_000)
		expect(honourRetryAfter(30_000, 500, '10', now)).toBe(30_000)
		expect(honourRetryAfter(30_000, 429, 'soon', now)).toBe(30_000)
		expect(honourRetryAfter(30_000, 429, null, now)).toBe(30_000)
	})
})

describe('circuit breaker (reference §3.6)', () => {
	const settings = { enabled: true, threshold: 3, resetMs: 60_000 }
	const closed: Circuit = { state: 'closed', failure_count: 0, opened_at: null, next_probe_at: null, last_transition_at: null }

	it('opens after the threshold of consecutive failures', () => {
		let c = closed
		for (let i = 1; i < 3; i++) {
			const r = onFailure(c, settings, i)
			expect(r.opened).toBe(false)
			c = r.circuit
		}
		const r = onFailure(c, settings, 100)
		expect(r).toEqual({ opened: true, circuit: { state: 'open', failure_count: 3, opened_at: 100, next_probe_at: 60_100, last_transition_at: 100 } })
	})

	it('a success resets the count', () => {
		const c = onFailure(onFailure(closed, settings, 1).circuit, settings, 2).circuit
		expect(onSuccess(c, 3)).toMatchObject({ state: 'closed', failure_count: 0 })
		expect(onSuccess(closed, 3)).toBe(closed) // nothing to write
	})

	it('waits while open, probes once the cooldown passed, closes or reopens on the probe', () => {
		const open: Circuit = { state: 'open', failure_count: 3, opened_at: 0, next_probe_at: 60_000, last_transition_at: 0 }
		expect(admission(open, settings, 59_999)).toBe('wait')
		expect(admission(open, settings, 60_000)).toBe('probe')
		const half = toHalfOpen(open, 60_000)
		expect(admission(half, settings, 70_000)).toBe('wait') // only one probe
		expect(onSuccess(half, 61_000)).toEqual({ state: 'closed', failure_count: 0, opened_at: null, next_probe_at: null, last_transition_at: 61_000 })
		expect(onFailure(half, settings, 61_000)).toEqual({ opened: true, circuit: { state: 'open', failure_count: 4, opened_at: 61_000, next_probe_at: 121_000, last_transition_at: 61_000 } })
	})

	it('a disabled breaker always sends', () => {
		const open: Circuit = { state: 'open', failure_count: 9, opened_at: 0, next_probe_at: 10 ** 12, last_transition_at: 0 }
		expect(admission(open, { ...settings, enabled: false }, 1)).toBe('send')
		expect(onFailure(closed, { ...settings, enabled: false }, 1).opened).toBe(false)
	})
})
