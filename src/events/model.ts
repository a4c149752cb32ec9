import { Type as t } from '@sinclair/typebox'
import { DeliveryAttempt } from '../attempts/model'

const Nullable = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer>>(s: T) => t.Union([s, t.Null()])

export const EVENT_STATUSES = ['pending', 'delivered', 'partial', 'failed', 'filtered', 'no_route'] as const
export const VERIFICATION_STATUSES = ['verified', 'unverified', 'schema_invalid', 'handshake'] as const
export const DEDUP_STATUSES = ['unique', 'duplicate'] as const

const oneOf = (values: readonly string[]) => t.Union(values.map((v) => t.Literal(v)))

/** The event filters `GET /v1/events` and its live twin `GET /v1/events/stream` both take. */
export const EventFilterQuery = {
	source_id: t.Optional(t.String()),
	status: t.Optional(oneOf(EVENT_STATUSES)),
	verification_status: t.Optional(oneOf(VERIFICATION_STATUSES)),
	dedup_status: t.Optional(oneOf(DEDUP_STATUSES)),
	method: t.Optional(t.String({ pattern: '^[A-Za-z]+$' })),
	org_id: t.Optional(t.String()),
	env_id: t.Optional(t.String())
}

/** List item: the reference's list fields. */
export const EventSummary = t.Object({
	id: t.String({ examples: ['evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	source_id: t.String(),
	org_id: t.String(),
	env_id: t.String(),
	method: t.String({ examples: ['POST'] }),
	content_type: Nullable(t.String()),
	source_ip: Nullable(t.String()),
	payload_size: t.Integer(),
	verification_status: t.String({ description: VERIFICATION_STATUSES.join(' | ') }),
	dedup_status: t.String({ description: DEDUP_STATUSES.join(' | ') }),
	status: t.String({ description: EVENT_STATUSES.join(' | ') }),
	received_at: t.String(),
	source_name: Nullable(t.String()),
	source_slug: Nullable(t.String())
})

/** Detail: everything received, with the raw body exactly (UTF-8 text, else base64). */
export const EventDetail = t.Composite([
	EventSummary,
	t.Object({
		headers: t.Record(t.String(), t.String()),
		query_params: t.Union([t.Record(t.String(), t.Union([t.String(), t.Array(t.String())])), t.Null()]),
		payload_inline: Nullable(t.String({ description: 'Body as UTF-8 text when it is at most 10 KB and valid UTF-8' })),
		payload_ref: Nullable(t.String({ description: 'Where a body over 10 KB is stored' })),
		payload: t.Unknown({ description: 'The body parsed as JSON, or null' }),
		body: t.String({ description: 'The raw body: UTF-8 text, or base64 when body_encoding is base64' }),
		body_encoding: t.Union([t.Literal('utf8'), t.Literal('base64')]),
		verification_error: Nullable(t.String()),
		dedup_hash: Nullable(t.String()),
		topic: Nullable(t.String()),
		delivery_attempts: t.Array(DeliveryAttempt, { description: 'The event\'s delivery attempts, newest first (up to 100)' })
	})
])

export const Pagination = t.Object({
	total: t.Integer(),
	limit: t.Integer(),
	offset: t.Integer(),
	has_more: t.Boolean(),
	next_cursor: t.Union([t.String(), t.Null()], { description: 'The page after this one in the list\'s direction' }),
	prev_cursor: t.Union([t.String(), t.Null()], { description: 'The page before this one (null on the first page)' })
})

export const EventList = t.Object({ events: t.Array(EventSummary), pagination: Pagination })
export const EventEnvelope = t.Object({ event: EventDetail })

export interface ListEventsOptions {
	source_id?: string | undefined
	status?: string | undefined
	verification_status?: string | undefined
	dedup_status?: string | undefined
	method?: string | undefined
	search?: string | undefined
	after?: string | undefined
	before?: string | undefined
	cursor?: string | undefined
	direction?: 'asc' | 'desc' | undefined
	limit?: number | undefined
	offset?: number | undefined
}
