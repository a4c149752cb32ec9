import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { EventEnvelope, EventFilterQuery, EventList } from '../../events/model'
import { assertScope, authContextOf } from '../auth'
import { binaryResponses, ErrorResponses } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'
import { RetryResult } from '../../attempts/model'

const IdParams = t.Object({ id: t.String({ description: 'Event ID', examples: ['evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Events']

const ListEventsQuery = t.Object(
	{
		...EventFilterQuery,
		search: t.Optional(t.String({
			minLength: 1, maxLength: 200,
			description: 'Event-id prefix, or text (ASCII case-insensitive) in the first 4 KB of an inline body (bodies up to 10 KB). ' +
				'Looks at the 10,000 most recent events that pass the other filters, counted from the cursor in the list\'s direction; ' +
				'`after`/`before` narrow that window, `pagination.total` counts the matches inside it, and `next_cursor` continues the search past it.'
		})),
		after: t.Optional(t.String({ description: 'ISO 8601: received at or after' })),
		before: t.Optional(t.String({ description: 'ISO 8601: received before' })),
		cursor: t.Optional(t.String({ description: 'Opaque cursor: `next_cursor` or `prev_cursor` of a previous page' })),
		direction: t.Optional(t.Union([t.Literal('asc'), t.Literal('desc')], { description: 'List order by receipt time: desc (newest first, default) or asc' })),
		limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'Default 50, max 100' })),
		offset: t.Optional(t.Integer({ minimum: 0, maximum: 100000 }))
	},
	{ additionalProperties: false }
)

export function eventRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.events', prefix: '/v1/events' })
		.use(canonicalPathIds('evt'))
		.get('', async ({ query, request }) => {
			const auth = authContextOf(request)
			assertScope(auth, query)
			return ctx.events.list(auth, query)
		}, {
			query: ListEventsQuery,
			response: { 200: EventList, ...ErrorResponses },
			detail: { summary: 'List events', description: 'Newest first (or oldest first with `direction=asc`); cursor pagination both ways (`next_cursor`, `prev_cursor`) or offset; `pagination.total` counts every match.', tags }
		})
		.get('/:id', async ({ params, request }) => {
			const auth = authContextOf(request)
			const event = await ctx.events.get(auth, params.id)
			const { delivery_attempts } = await ctx.attempts.list(auth, { event_id: event.id, limit: 100 })
			return { event: { ...event, delivery_attempts } }
		}, {
			params: IdParams,
			response: { 200: EventEnvelope, ...ErrorResponses },
			detail: { summary: 'Get an event', description: 'Headers, query, parsed payload and the raw body exactly as received.', tags }
		})
		.post('/:id/retry', async ({ params, request }) => {
			const auth = authContextOf(request)
			const event = await ctx.events.get(auth, params.id) // 404 for unknown and other tenants' events
			return ctx.retries.retryEvent(event.id)
		}, {
			params: IdParams,
			response: { 200: RetryResult, ...ErrorResponses },
			detail: { summary: 'Retry an event', description: 'Queues every failed (DLQ) delivery of the event again; new attempts are made and old ones kept.', tags }
		})
		.get('/:id/raw', async ({ params, request }) => {
			const { bytes, contentType } = await ctx.events.raw(authContextOf(request), params.id)
			// Whatever a sender posted must never render as a page on the API's origin.
			return new Response(bytes, {
				headers: { 'content-type': contentType ?? 'application/octet-stream', 'x-content-type-options': 'nosniff', 'content-disposition': `attachment; filename="${params.id}"`, 'content-security-policy': "default-src 'none'; sandbox" }
			})
		}, {
			params: IdParams,
			detail: { summary: 'Get the raw body of an event', description: 'The body byte for byte, with the sender\'s content type.', tags, responses: binaryResponses('The body byte for byte, with the sender\'s content type') }
		})
}
