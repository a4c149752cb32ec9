import type { WebSocketConfig } from '../../destinations/provider-config'
import { type Provider, succeeded } from './types'

/** The part of the /v1/ws hub a `websocket` destination needs (LiveHub implements it). */
export interface Broadcaster {
	/** Sends to the subscribers of `channel` in `envId` only; returns how many took it. */
	broadcast(envId: string, channel: string, message: Record<string, unknown>): number
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * The delivered body as the reference sends it: the raw body string. A body that is
 * not UTF-8 goes as base64, marked the way event messages mark theirs (`body_encoding`).
 */
function payloadOf(body: Uint8Array): { payload: string; payload_encoding: 'utf8' | 'base64' } {
	try {
		return { payload: strictUtf8.decode(body), payload_encoding: 'utf8' }
	} catch {
		return { payload: Buffer.from(body).toString('base64'), payload_encoding: 'base64' }
	}
}

/**
 * Broadcast on `/v1/ws`: `{"type":"event.delivered","channel","data":{event_id, destination_id,
 * payload}}` to the channel's subscribers in the destination's environment. Delivered means
 * sent to every subscriber at that moment: with none the attempt still succeeds (0 recipients),
 * as a broadcast is not a queue; retrying would only hand old events to later subscribers.
 */
export function websocketProvider(hub: Broadcaster): Provider {
	return {
		async send(message, target) {
			const cfg = target.provider as unknown as WebSocketConfig
			const started = performance.now()
			const data = { event_id: message.eventId, destination_id: message.destinationId, ...payloadOf(message.body) }
			const subscribers = hub.broadcast(target.row.env_id, cfg.channel_name, { type: 'event.delivered', channel: cfg.channel_name, data })
			const request = { url: `/v1/ws#${cfg.channel_name}`, method: 'broadcast', recordedHeaders: null, bodySize: message.body.byteLength }
			const summary = `sent to ${subscribers} subscriber${subscribers === 1 ? '' : 's'} of channel ${cfg.channel_name}`
			return { request, result: succeeded({ channel: cfg.channel_name, subscribers, summary }, Math.round(performance.now() - started)) }
		}
	}
}
