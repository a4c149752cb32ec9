import { toIso } from '../lib/clock'
import type { AttemptRow } from '../delivery/repo'
import type { EventRow } from '../events/repo'

/** Events replayed on one `since` subscribe before a `gap` notice (the client resumes from there). */
export const REPLAY_LIMIT = 1000
/** Subscriptions one connection may hold. */
export const MAX_SUBSCRIPTIONS = 50
/** Streams (WebSocket or SSE) one holder may keep open at once: an API key, a signed-in session, or one test session's public feed. */
export const MAX_CONNECTIONS_PER_HOLDER = 20

const CHANNEL = /^(events|deliveries|issues)(:[a-z]+_[0-9a-f]{32})?$/
/** A `websocket` destination's `channel_name` (the reference's pattern, case-insensitive; kept lower-case). */
export const DESTINATION_CHANNEL = /^[a-z0-9][a-z0-9._-]{0,99}$/i
/** Names a destination channel cannot take: a subscriber to them gets the built-in streams. */
export const BUILT_IN_CHANNELS = new Set(['events', 'deliveries', 'issues'])
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export type ChannelKind = 'events' | 'deliveries' | 'issues' | 'destination'

export interface Channel {
	name: string
	kind: ChannelKind
	/** The source (events:…) or destination (deliveries:…) the channel is narrowed to. */
	scope: string | null
}

/**
 * `events`, `events:<source_id>`, `deliveries`, `deliveries:<destination_id>`, `issues`, or a
 * `websocket` destination's channel name (matched case-insensitively, named lower-case); null otherwise.
 */
export function parseChannel(name: unknown): Channel | null {
	if (typeof name !== 'string') return null
	const m = CHANNEL.exec(name)
	if (!m) return destinationChannel(name)
	const kind = m[1] as ChannelKind
	const scope = m[2]?.slice(1) ?? null
	if (scope !== null && ((kind === 'events' && !scope.startsWith('src_')) || (kind === 'deliveries' && !scope.startsWith('dst_')) || kind === 'issues')) return null
	return { name, kind, scope }
}

function destinationChannel(name: string): Channel | null {
	const lower = name.toLowerCase()
	if (!DESTINATION_CHANNEL.test(name) || BUILT_IN_CHANNELS.has(lower)) return null
	return { name: lower, kind: 'destination', scope: null }
}

/**
 * An event as the stream carries it: the list fields plus headers, query and the
 * exact body (UTF-8 text, or base64 with `body_encoding: "base64"` when it is not UTF-8).
 */
export function eventData(row: EventRow, body: Uint8Array) {
	let text: string | null
	try {
		text = strictUtf8.decode(body)
	} catch {
		text = null
	}
	return {
		id: row.id, source_id: row.source_id, org_id: row.org_id, env_id: row.env_id, method: row.method,
		content_type: row.content_type, source_ip: row.source_ip, payload_size: row.payload_size,
		verification_status: row.verification_status, dedup_status: row.dedup_status, status: row.status,
		received_at: toIso(row.received_at),
		headers: JSON.parse(row.headers) as Record<string, string>,
		query_params: row.query_params === null ? null : (JSON.parse(row.query_params) as Record<string, string | string[]>),
		body: text ?? Buffer.from(body).toString('base64'),
		body_encoding: text === null ? ('base64' as const) : ('utf8' as const)
	}
}

export type EventData = ReturnType<typeof eventData>

/** A recorded delivery attempt as the stream carries it (the attempts API's fields, times in ISO 8601). */
export function attemptData(a: AttemptRow) {
	const { delivery_id: _internal, ...wire } = a
	return { ...wire, created_at: toIso(a.created_at), next_retry_at: toIso(a.next_retry_at), dlq_at: toIso(a.dlq_at) }
}
