import type { DeliveryTarget } from '../../destinations/model'
import type { EventRow } from '../../events/repo'
import type { ErrorType, OutboundResult } from '../outbound'
import type { OutboundGuard } from '../ssrf'

/** One event as a provider sends it: the (possibly transformed) body and its metadata. */
export interface ProviderMessage {
	eventId: string
	destinationId: string
	attemptNumber: number
	body: Uint8Array
	contentType: string | null
	now: number
	/**
	 * The contract's `x-hookstream-*` headers, the signature when `signing_config` is set, and
	 * the user's `headers`: carried as message attributes, Kafka/AMQP headers or S3 metadata.
	 */
	metadata: Record<string, string>
	/** The stored event (source id, method, headers, received_at), read only by providers that need it. */
	event(): Promise<EventRow | null>
}

/** What the worker records of one attempt: the request as sent (credentials masked) and its result. */
export interface ProviderOutcome {
	request: { url: string; method: string; recordedHeaders: Record<string, string> | null; bodySize: number }
	result: OutboundResult
}

/** One destination type. `send` never throws: every outcome is data, like sendHttp. */
export interface Provider {
	send(message: ProviderMessage, target: DeliveryTarget, guard: OutboundGuard): Promise<ProviderOutcome>
	/** Closes pooled connections: of one destination, or all of them when no id is given. */
	close?(destinationId?: string): Promise<void>
}

/** A failed attempt that never reached the wire (or broke on it). */
export function failed(error: string, errorType: ErrorType, durationMs = 0, status: number | null = null, body: string | null = null): OutboundResult {
	return { ok: false, status, headers: null, body, durationMs, error, errorType }
}

/** A successful attempt of a non-HTTP protocol: the summary is the recorded response body. */
export function succeeded(summary: Record<string, unknown>, durationMs: number): OutboundResult {
	return { ok: true, status: null, headers: null, body: JSON.stringify(summary), durationMs, error: null, errorType: null }
}

export const text = (body: Uint8Array) => new TextDecoder().decode(body)

/** An error's message, for an attempt's `error`. */
export const messageOf = (err: unknown) => (err instanceof Error ? err.message || err.name : String(err))
