import type { BreakerPolicy } from './policy'

/*
 * Circuit breaker per destination (reference §3.6), as pure transitions over
 * persisted state: closed → open after `threshold` consecutive failures →
 * half-open once `resetMs` passed (one probe) → closed on success, open again
 * on failure. While open nothing is dropped: deliveries wait in the queue.
 * Circuits (circuits.ts) holds and persists the state these functions compute.
 */

/** `half-open`: the cooldown ended and one probe is in flight. */
export type CircuitState = 'closed' | 'open' | 'half-open'

/** Breaker state of one destination, the one shape everywhere (epoch-ms times; the API shows ISO). */
export interface Circuit {
	state: CircuitState
	failure_count: number
	opened_at: number | null
	next_probe_at: number | null
	last_transition_at: number | null
}

/** A breaker that never failed. */
export const CLOSED: Circuit = { state: 'closed', failure_count: 0, opened_at: null, next_probe_at: null, last_transition_at: null }

/** May this destination send now, and is the send a half-open probe? */
export function admission(c: Circuit, s: BreakerPolicy, now: number): 'send' | 'probe' | 'wait' {
	if (!s.enabled || c.state === 'closed') return 'send'
	if (c.state === 'open' && c.next_probe_at !== null && now >= c.next_probe_at) return 'probe'
	return 'wait'
}

export function onSuccess(c: Circuit, now: number): Circuit {
	if (c.state === 'closed' && c.failure_count === 0) return c
	return { state: 'closed', failure_count: 0, opened_at: null, next_probe_at: null, last_transition_at: c.state === 'closed' ? c.last_transition_at : now }
}

/** Returns the next state and whether this failure opened (or re-opened) the breaker. */
export function onFailure(c: Circuit, s: BreakerPolicy, now: number): { circuit: Circuit; opened: boolean } {
	if (!s.enabled) return { circuit: { ...c, failure_count: c.failure_count + 1 }, opened: false }
	const failures = c.failure_count + 1
	if (c.state === 'half-open' || (c.state === 'closed' && failures >= s.threshold)) {
		return { circuit: { state: 'open', failure_count: failures, opened_at: now, next_probe_at: now + s.resetMs, last_transition_at: now }, opened: true }
	}
	return { circuit: { ...c, failure_count: failures }, opened: false }
}

export function toHalfOpen(c: Circuit, now: number): Circuit {
	return { ...c, state: 'half-open', next_probe_at: null, last_transition_at: now }
}
