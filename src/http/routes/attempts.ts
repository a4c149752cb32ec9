import { Elysia, t } from 'elysia'
import { AttemptEnvelope, AttemptList, RetryResult } from '../../attempts/model'
import type { AppContext } from '../../context'
import { assertScope, authContextOf } from '../auth'
import { ErrorResponses } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const IdParams = t.Object({ id: t.String({ examples: ['da_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Delivery attempts']

const ListAttemptsQuery = t.Object(
	{
		event_id: t.Optional(t.String()),
		connection_id: t.Optional(t.String()),
		destination_id: t.Optional(t.String()),
		status: t.Optional(t.Union([t.Literal('success'), t.Literal('failed'), t.Literal('pending')])),
		is_dlq: t.Optional(t.Union([t.Literal('1'), t.Literal('0'), t.Literal('true'), t.Literal('false')], { description: '"1" = DLQ only' })),
		cursor: t.Optional(t.String({ description: 'Opaque cursor from the previous page' })),
		limit: t.Optional(t.Integer({ minimum: 1, maximum: 100 })),
		offset: t.Optional(t.Integer({ minimum: 0, maximum: 100000 })),
		org_id: t.Optional(t.String()),
		env_id: t.Optional(t.String())
	},
	{ additionalProperties: false }
)

export function attemptRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.attempts', prefix: '/v1/delivery-attempts' })
		.use(canonicalPathIds('da'))
		.get('', async ({ query, request }) => {
			const auth = authContextOf(request)
			assertScope(auth, query)
			return ctx.attempts.list(auth, query)
		}, {
			query: ListAttemptsQuery,
			response: { 200: AttemptList, ...ErrorResponses },
			detail: { summary: 'List delivery attempts', description: 'Every attempt of every delivery, newest first; `is_dlq=1` lists the dead-letter queue.', tags }
		})
		.get('/:id', async ({ params, request }) => ({ delivery_attempt: await ctx.attempts.get(authContextOf(request), params.id) }), {
			params: IdParams,
			response: { 200: AttemptEnvelope, ...ErrorResponses },
			detail: { summary: 'Get a delivery attempt', description: 'Request and response as sent and received (response body capped at 10 KB).', tags }
		})
		.post('/:id/retry', async ({ params, request }) => ctx.retries.retryAttempt(authContextOf(request), params.id), {
			params: IdParams,
			response: { 200: RetryResult, ...ErrorResponses },
			detail: { summary: 'Retry a delivery', description: 'Queues the attempt\'s delivery again; the worker makes a new attempt. Old attempts are kept.', tags }
		})
}
