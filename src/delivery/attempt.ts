import { newId } from '../lib/ids'
import { type Circuit, onFailure, onSuccess } from './breaker'
import type { OutboundResult } from './outbound'
import type { DeliveryPolicy } from './policy'
import type { AttemptOutcome, AttemptRow, DeliveryRow } from './repo'
import { honourRetryAfter, retryDelayMs, shouldRetry } from './retry'

export interface AttemptFacts {
	owner: string
	delivery: DeliveryRow
	policy: DeliveryPolicy
	circuit: Circuit
	attemptNumber: number
	request: { url: string; method: string; recordedHeaders: Record<string, string> | null; bodySize: number }
	result: OutboundResult
	now: number
	/** Transform failures are the configuration's fault: retrying cannot help. */
	retryable: boolean
	/** False when the failure is nobody's to fix (the connection was deleted): no issue. */
	reportable?: boolean
}

/**
 * Decides what one finished attempt means: the attempt row, the delivery's next
 * state (retry at a time, delivered, or dead → DLQ), the breaker's next state,
 * and which issues open or grow. Pure: the repo writes it in one transaction.
 */
export function decideOutcome(f: AttemptFacts): AttemptOutcome {
	const { delivery: d, policy, result, now } = f
	const issues: AttemptOutcome['issues'] = []
	let next: AttemptOutcome['next']
	let circuit: Circuit | null = null
	let nextRetryAt: number | null = null
	let dead = false
	if (result.ok) {
		next = { state: 'delivered', dueAt: d.due_at }
		const closed = onSuccess(f.circuit, now)
		circuit = closed === f.circuit ? null : closed
	} else {
		if (f.retryable && shouldRetry(policy.retry, f.attemptNumber)) {
			const delay = honourRetryAfter(retryDelayMs(policy.retry, f.attemptNumber), result.status, result.headers?.['retry-after'] ?? null, now)
			nextRetryAt = now + delay
			next = { state: 'queued', dueAt: nextRetryAt }
		} else {
			dead = true
			next = { state: 'dead', dueAt: d.due_at }
			if (f.reportable !== false) issues.push({ id: newId('iss', now), errorType: result.errorType ?? 'network_error', message: `${result.error ?? 'delivery failed'} (delivery exhausted after ${f.attemptNumber} attempt${f.attemptNumber === 1 ? '' : 's'})` })
		}
		// A transform error says nothing about the destination's health.
		if (f.retryable) {
			const failed = onFailure(f.circuit, policy.breaker, now)
			circuit = failed.circuit
			if (failed.opened) {
				issues.push({ id: newId('iss', now), errorType: 'circuit_open', message: `circuit breaker opened after ${failed.circuit.failure_count} consecutive failures; deliveries are queued until a probe succeeds` })
			}
		}
	}
	const attempt: AttemptRow = {
		id: '', org_id: d.org_id, env_id: d.env_id, delivery_id: d.id, event_id: d.event_id,
		connection_id: d.connection_id, destination_id: d.destination_id, request_url: f.request.url,
		request_method: f.request.method, request_headers: f.request.recordedHeaders ? JSON.stringify(f.request.recordedHeaders) : null,
		request_body_size: f.request.bodySize, response_status: result.status,
		response_headers: result.headers ? JSON.stringify(result.headers) : null, response_body: result.body,
		duration_ms: result.durationMs, status: result.ok ? 'success' : 'failed', error: result.error, error_type: result.errorType,
		created_at: now, attempt_number: f.attemptNumber, next_retry_at: nextRetryAt, is_dlq: dead ? 1 : 0,
		dlq_at: dead ? now : null, trigger_type: f.attemptNumber > 1 && d.trigger_type === 'initial' ? 'retry' : d.trigger_type
	}
	return { owner: f.owner, attempt, next, circuit, issues }
}
