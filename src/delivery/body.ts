import type { DeliveryConnection } from '../connections/service'
import type { DeliveryTarget } from '../destinations/model'
import type { EventToDeliver } from '../events/queries'
import type { EventsRepo } from '../events/repo'
import { type ErrorType, type OutboundResult } from './outbound'
import type { Providers } from './providers'
import type { DeliveryRow } from './repo'
import type { OutboundGuard } from './ssrf'

export type BodyToSend = { body: Uint8Array; contentType: string | null } | { error: string; errorType: ErrorType; gone?: boolean }

/**
 * The body one delivery sends: the raw bytes, or the connection's JSONata transform
 * of the parsed payload. `gone` when the event or the connection no longer exists.
 * `ahead` is the event as read with the claim, when no event was deleted since, and
 * `cached` its connection when already loaded: then an untransformed body is known at
 * once, without a promise (the usual case of a busy destination).
 */
export function bodyToSend(
	events: Pick<EventsRepo, 'findToDeliver' | 'readPayload'>,
	connection: (id: string) => Promise<DeliveryConnection | null>,
	row: DeliveryRow,
	ahead?: EventToDeliver,
	cached?: DeliveryConnection
): BodyToSend | Promise<BodyToSend> {
	if (ahead?.payload_inline && cached && !(cached.row.transform_enabled && cached.transform)) return { body: ahead.payload_inline, contentType: ahead.content_type }
	return readBodyToSend(events, connection, row, ahead)
}

async function readBodyToSend(
	events: Pick<EventsRepo, 'findToDeliver' | 'readPayload'>,
	connection: (id: string) => Promise<DeliveryConnection | null>,
	row: DeliveryRow,
	ahead?: EventToDeliver
): Promise<BodyToSend> {
	const event = ahead ?? (await events.findToDeliver(row.event_id))
	if (!event) return { error: 'event no longer stored (retention); delivery abandoned', errorType: 'event_purged', gone: true }
	const raw = event.payload_inline ?? (await events.readPayload(event.id)) ?? new Uint8Array(0)
	try {
		// Inside the try: a stored expression that no longer compiles is a transform error too.
		const found = await connection(row.connection_id)
		// A deleted connection's transform is gone too: sending the raw body could leak what it removed.
		if (!found) return { error: 'connection deleted; delivery abandoned', errorType: 'connection_deleted', gone: true }
		if (!found.row.transform_enabled || !found.transform) return { body: raw, contentType: event.content_type }
		const input = JSON.parse(new TextDecoder().decode(raw)) as unknown
		const output = await found.transform.apply(input)
		return { body: new TextEncoder().encode(JSON.stringify(output)), contentType: 'application/json' }
	} catch (err) {
		return { error: `transform failed: ${err instanceof Error ? err.message : String(err)}`, errorType: 'transform_error' }
	}
}

/** The request as an attempt records it. */
export interface RecordedRequest {
	url: string
	method: string
	recordedHeaders: Record<string, string> | null
	bodySize: number
}

/** Sends the prepared body by the destination's type (or records why there was nothing to send): never throws. */
export function sendBody(
	providers: Providers, target: DeliveryTarget, row: DeliveryRow, prepared: BodyToSend, attemptNumber: number, guard: OutboundGuard, now: number
): Promise<{ request: RecordedRequest; result: OutboundResult }> {
	if ('error' in prepared) {
		const result: OutboundResult = { ok: false, status: null, headers: null, body: null, durationMs: 0, error: prepared.error, errorType: prepared.errorType }
		return Promise.resolve({ request: { url: target.row.url ?? '', method: target.row.method, recordedHeaders: null, bodySize: 0 }, result })
	}
	return providers.send(target, { eventId: row.event_id, destinationId: row.destination_id, attemptNumber, body: prepared.body, contentType: prepared.contentType, now }, guard)
}
