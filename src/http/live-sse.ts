import type { EventRow } from '../events/repo'
import { type Frame, HARD_LIMIT_FACTOR, type LiveHub } from '../live/hub'
import type { Channel } from '../live/model'

const encoder = new TextEncoder()

function render(frame: Frame): Uint8Array {
	// An event carries its id so the browser (or curl user) can resume with Last-Event-ID.
	const id = frame.id ? `id: ${frame.id}\n` : ''
	return encoder.encode(`${id}event: ${frame.type}\ndata: ${frame.text}\n\n`)
}

export interface SseOptions {
	scope: { orgId: string; envId: string; principal: string | null }
	channel: Channel
	match: (row: EventRow) => boolean
	since: string | undefined
	signal: AbortSignal
	maxBufferedBytes: number
}

/**
 * `text/event-stream` over the same hub as /v1/ws: one subscription, replay after
 * `since` (Last-Event-ID), then live events and heartbeats. The stream's queue is
 * measured in bytes; a reader still more than `maxBufferedBytes` behind at a heartbeat,
 * or ever past the hard cap, is cut off (it resumes with Last-Event-ID) instead of
 * growing the server's memory.
 */
export function sseResponse(hub: LiveHub, opts: SseOptions): Response {
	let conn: ReturnType<LiveHub['connect']> | null = null
	const stream = new ReadableStream<Uint8Array>(
		{
			start(controller) {
				const sink = {
					send(frame: Frame): boolean {
						controller.enqueue(render(frame))
						// The queue's high-water mark is the soft limit, so desiredSize = soft − queued bytes.
						return (controller.desiredSize ?? 0) >= -opts.maxBufferedBytes * (HARD_LIMIT_FACTOR - 1)
					},
					behind: () => (controller.desiredSize ?? 0) < 0,
					close() {
						try {
							controller.close()
						} catch {}
					}
				}
				controller.enqueue(encoder.encode(`retry: 1000\n\n`))
				const c = hub.connect(opts.scope, sink)
				conn = c
				hub.send(c, { type: 'welcome', org_id: opts.scope.orgId, env_id: opts.scope.envId, heartbeat_ms: hub.heartbeatMs, channel: opts.channel.name })
				opts.signal.addEventListener('abort', () => hub.disconnect(c))
				void hub.subscribe(c, opts.channel, { since: opts.since, match: opts.match, ack: false })
			},
			cancel() {
				if (conn) hub.disconnect(conn)
			}
		},
		{ highWaterMark: opts.maxBufferedBytes, size: (chunk) => chunk?.byteLength ?? 0 }
	)
	return new Response(stream, {
		headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }
	})
}
