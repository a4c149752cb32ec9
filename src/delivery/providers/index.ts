import type { DeliveryTarget } from '../../destinations/model'
import type { EventRow } from '../../events/repo'
import { sendHttp } from '../outbound'
import { buildRequest, type RequestParts } from '../request'
import type { OutboundGuard } from '../ssrf'
import { s3Provider } from './aws-s3'
import { eventBridgeProvider } from './aws-eventbridge'
import { sqsProvider } from './aws-sqs'
import { kafkaProvider } from './kafka'
import { pubsubProvider } from './pubsub'
import { rabbitProvider } from './rabbitmq'
import { failed, messageOf, type Provider, type ProviderOutcome } from './types'
import { type Broadcaster, websocketProvider } from './websocket'

/** The http type: the contract's signed request through the SSRF-pinned client. */
function sendHttpType(built: ReturnType<typeof buildRequest>, guard: OutboundGuard): Promise<ProviderOutcome> {
	const request = { url: built.request.url, method: built.request.method, recordedHeaders: built.recorded, bodySize: built.request.body.byteLength }
	return sendHttp(built.request, guard).then((result) => ({ request, result }))
}

/**
 * Every destination type behind one call, and the owner of their pooled connections
 * (one Kafka producer, one AMQP channel per destination): closed when the destination
 * changes or is deleted, and all of them on shutdown.
 */
export class Providers {
	readonly #byType: Record<string, Provider> = {
		aws_sqs: sqsProvider, aws_s3: s3Provider, aws_eventbridge: eventBridgeProvider, gcp_pubsub: pubsubProvider, kafka: kafkaProvider, rabbitmq: rabbitProvider
	}

	/** `live`: the /v1/ws hub that `websocket` destinations broadcast through (without it they cannot be delivered to). */
	constructor(private readonly events: { findById(id: string): Promise<EventRow | null> }, live?: Broadcaster) {
		if (live) this.#byType.websocket = websocketProvider(live)
	}

	/** One attempt to `target`. Never throws: every outcome is data. */
	send(target: DeliveryTarget, parts: RequestParts & { destinationId: string }, guard: OutboundGuard): Promise<ProviderOutcome> {
		// The same headers and signature as an http delivery; other types carry them as message metadata.
		const built = buildRequest(target, parts)
		return target.row.type === 'http' ? sendHttpType(built, guard) : this.#sendOther(target, parts, built, guard)
	}

	async #sendOther(target: DeliveryTarget, parts: RequestParts & { destinationId: string }, built: ReturnType<typeof buildRequest>, guard: OutboundGuard): Promise<ProviderOutcome> {
		const provider = this.#byType[target.row.type]
		const request = { url: '', method: target.row.type, recordedHeaders: built.recorded, bodySize: parts.body.byteLength }
		if (!provider || !target.provider) return { request, result: failed(`destination type ${target.row.type} cannot be delivered to`, 'provider_error') }
		const message = { ...parts, metadata: built.request.headers, event: () => this.events.findById(parts.eventId) }
		try {
			return await provider.send(message, target, guard)
		} catch (err) {
			return { request, result: failed(messageOf(err), 'network_error') }
		}
	}

	/** A destination changed or was deleted: its pooled connections are closed (the next attempt opens fresh ones). */
	async forget(destinationId: string): Promise<void> {
		await Promise.allSettled(Object.values(this.#byType).map((p) => p.close?.(destinationId)))
	}

	/** Shutdown: every pooled connection closed. */
	async closeAll(): Promise<void> {
		await Promise.allSettled(Object.values(this.#byType).map((p) => p.close?.()))
	}
}
