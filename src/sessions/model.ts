import { Type as t } from '@sinclair/typebox'
import { toIso } from '../lib/clock'
import { MULTILINE_TEXT } from '../lib/text'
import type { SessionEventRow, SessionRow } from './repo'

export const ResponseBody = t.Object(
	{
		status_code: t.Integer({ minimum: 200, maximum: 599, description: 'HTTP status returned to senders', examples: [200] }),
		content_type: t.Optional(t.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e][\\x20-\\x7e]*$', description: 'Default text/plain' })),
		body: t.Optional(t.String({ maxLength: 65536, description: 'Response body (default empty)' }))
	},
	{ additionalProperties: false }
)

export const ForwardingBody = t.Object(
	{
		url: t.Optional(t.Union([t.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL each event is relayed to, byte for byte' }), t.Null()])),
		enabled: t.Boolean()
	},
	{ additionalProperties: false }
)

export const NoteBody = t.Object(
	{ note: t.Union([t.String({ maxLength: 2000, pattern: MULTILINE_TEXT }), t.Null()], { description: 'Free text; null removes the note' }) },
	{ additionalProperties: false }
)

const Nullable = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer>>(s: T) => t.Union([s, t.Null()])

export const SessionCreated = t.Object({
	session_id: t.String({ description: '32 hex; also the ingest path id', examples: ['0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	source_id: t.String(),
	url: t.String({ description: 'Ingest URL to send webhooks to' }),
	expires_at: t.String(),
	request_limit: t.Integer(),
	request_count: t.Integer()
})

export const Session = t.Object({
	id: t.String(),
	source_id: t.String(),
	url: t.String(),
	expires_at: Nullable(t.String()),
	request_limit: Nullable(t.Integer()),
	request_count: t.Integer(),
	created_at: t.String(),
	response: t.Union([t.Object({ status_code: t.Integer(), content_type: t.String(), body: t.String() }), t.Null()]),
	forwarding: t.Union([t.Object({ url: Nullable(t.String()), enabled: t.Boolean() }), t.Null()])
})

export const SessionEvent = t.Object({
	id: t.String(),
	source_id: t.String(),
	method: t.String(),
	headers: t.String({ description: 'JSON string of the request headers' }),
	content_type: Nullable(t.String()),
	payload_size: t.Integer(),
	received_at: t.String(),
	note: Nullable(t.String())
})

export const SessionPage = t.Object({
	session: Session,
	events: t.Array(SessionEvent),
	pagination: t.Object({ limit: t.Integer(), has_more: t.Boolean(), next_cursor: Nullable(t.String()) })
})

export const sessionIdOf = (sourceId: string) => sourceId.slice(4)

export function sessionWire(row: SessionRow, baseUrl: string) {
	const id = sessionIdOf(row.source_id)
	return {
		id, source_id: row.source_id, url: `${baseUrl}/v1/ingest/${id}`, expires_at: toIso(row.expires_at), request_limit: row.request_limit,
		request_count: row.event_count, created_at: toIso(row.created_at),
		response: row.response_status === null ? null : { status_code: row.response_status, content_type: row.response_content_type ?? 'text/plain', body: row.response_body ?? '' },
		forwarding: row.forward_url === null && !row.forward_enabled ? null : { url: row.forward_url, enabled: row.forward_enabled === 1 }
	}
}

export function sessionEventWire(r: SessionEventRow) {
	return { id: r.id, source_id: r.source_id, method: r.method, headers: r.headers, content_type: r.content_type, payload_size: r.payload_size, received_at: toIso(r.received_at), note: r.note }
}
