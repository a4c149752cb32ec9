import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { CircuitEnvelope, CreateDestinationBody, DestinationEnvelope, DestinationList, UpdateDestinationBody } from '../../destinations/model'
import { assertScope, authContextOf } from '../auth'
import { ErrorResponses, Success } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const IdParams = t.Object({ id: t.String({ description: 'Destination ID', examples: ['dst_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Destinations']

/** Query strings arrive as text; Elysia's `t` coerces numerals for `limit`. */
const ListDestinationsQuery = t.Object(
	{
		cursor: t.Optional(t.String({ description: 'Opaque cursor from the previous page' })),
		limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'Page size (default 20, max 100)' })),
		org_id: t.Optional(t.String()),
		env_id: t.Optional(t.String())
	},
	{ additionalProperties: false }
)

/** Thin: validate, scope, call the service, shape the envelope. */
export function destinationRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.destinations', prefix: '/v1/destinations' })
		.use(canonicalPathIds('dst'))
		.post('', async ({ body, request, set }) => {
			const auth = authContextOf(request)
			assertScope(auth, body)
			const destination = await ctx.destinations.create(auth, body)
			set.status = 201
			return { destination }
		}, {
			body: CreateDestinationBody,
			parse: 'json',
			response: { 201: DestinationEnvelope, ...ErrorResponses },
			detail: { summary: 'Create a destination', description: 'Create an HTTP destination. Credentials in auth_config and signing_config are stored encrypted and returned masked.', tags }
		})
		.get('', async ({ query, request }) => {
			const auth = authContextOf(request)
			assertScope(auth, query)
			const page = await ctx.destinations.list(auth, query)
			return { destinations: page.items, cursor: page.next_cursor, has_more: page.has_more }
		}, {
			query: ListDestinationsQuery,
			response: { 200: DestinationList, ...ErrorResponses },
			detail: { summary: 'List destinations', description: 'Newest first, cursor-paginated.', tags }
		})
		.get('/:id', async ({ params, request }) => ({ destination: await ctx.destinations.get(authContextOf(request), params.id) }), {
			params: IdParams,
			response: { 200: DestinationEnvelope, ...ErrorResponses },
			detail: { summary: 'Get a destination', tags }
		})
		.patch('/:id', async ({ params, body, request }) => {
			const auth = authContextOf(request)
			assertScope(auth, body)
			return { destination: await ctx.destinations.update(auth, params.id, body) }
		}, {
			params: IdParams,
			body: UpdateDestinationBody,
			parse: 'json',
			response: { 200: DestinationEnvelope, ...ErrorResponses },
			detail: { summary: 'Update a destination', description: 'Partial update: only the fields sent change; null clears headers, auth_config or signing_config.', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await ctx.destinations.remove(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: IdParams,
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Delete a destination', tags }
		})
		.get('/:id/circuit', async ({ params, request }) => ctx.destinations.circuit(authContextOf(request), params.id), {
			params: IdParams,
			response: { 200: CircuitEnvelope, ...ErrorResponses },
			detail: { summary: 'Get circuit-breaker state', description: 'closed | open | half-open, the consecutive failure count and when it last changed.', tags }
		})
		.post('/:id/circuit/reset', async ({ params, request }) => ctx.destinations.resetCircuit(authContextOf(request), params.id), {
			params: IdParams,
			response: { 200: CircuitEnvelope, ...ErrorResponses },
			detail: { summary: 'Reset the circuit breaker', description: 'Closes the breaker and clears its failure count; queued deliveries resume.', tags }
		})
}
