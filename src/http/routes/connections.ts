import { Elysia, t } from 'elysia'
import { ConnectionEnvelope, ConnectionList, CreateConnectionBody, UpdateConnectionBody } from '../../connections/model'
import type { AppContext } from '../../context'
import { assertScope, authContextOf } from '../auth'
import { ErrorResponses, Success } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const IdParams = t.Object({ id: t.String({ description: 'Connection ID', examples: ['conn_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Connections']

/** Query strings arrive as text; Elysia's `t` coerces numerals for `limit`. */
const ListConnectionsQuery = t.Object(
	{
		source_id: t.Optional(t.String({ description: 'Only connections from this source' })),
		destination_id: t.Optional(t.String({ description: 'Only connections to this destination' })),
		cursor: t.Optional(t.String({ description: 'Opaque cursor from the previous page' })),
		limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'Page size (default 20, max 100)' })),
		org_id: t.Optional(t.String()),
		env_id: t.Optional(t.String())
	},
	{ additionalProperties: false }
)

/**
 * `filter_rules: null` means no rules. Swapping it for [] before validation keeps the
 * schema a plain array, so a bad rule is reported as `/filter_rules/<i>/<key>` rather
 * than as a mismatch of the whole array-or-null union.
 */
function nullRulesAsEmpty({ body }: { body: unknown }): void {
	if (body !== null && typeof body === 'object' && (body as Record<string, unknown>).filter_rules === null) {
		(body as Record<string, unknown>).filter_rules = []
	}
}

/** Thin: validate, scope, call the service, shape the envelope. */
export function connectionRoutes(ctx: AppContext) {
	const svc = ctx.connections

	return new Elysia({ name: 'routes.connections', prefix: '/v1/connections' })
		.use(canonicalPathIds('conn'))
		.post('', async ({ body, request, set }) => {
			const auth = authContextOf(request)
			assertScope(auth, body)
			const connection = await svc.create(auth, body)
			set.status = 201
			return { connection }
		}, {
			body: CreateConnectionBody,
			parse: 'json',
			transform: nullRulesAsEmpty,
			response: { 201: ConnectionEnvelope, ...ErrorResponses },
			detail: {
				summary: 'Create a connection',
				description: 'Route events from a source to a destination, optionally filtered and transformed (JSONata). 404 "Source or destination not found" when either is not in this environment.',
				tags
			}
		})
		.get('', async ({ query, request }) => {
			const auth = authContextOf(request)
			assertScope(auth, query)
			const page = await svc.list(auth, query)
			return { connections: page.items, cursor: page.next_cursor, has_more: page.has_more }
		}, {
			query: ListConnectionsQuery,
			response: { 200: ConnectionList, ...ErrorResponses },
			detail: { summary: 'List connections', description: 'Newest first, cursor-paginated; filter by source_id and/or destination_id.', tags }
		})
		.get('/:id', async ({ params, request }) => ({ connection: await svc.get(authContextOf(request), params.id) }), {
			params: IdParams,
			response: { 200: ConnectionEnvelope, ...ErrorResponses },
			detail: { summary: 'Get a connection', tags }
		})
		.patch('/:id', async ({ params, body, request }) => ({ connection: await svc.update(authContextOf(request), params.id, body) }), {
			params: IdParams,
			body: UpdateConnectionBody,
			parse: 'json',
			transform: nullRulesAsEmpty,
			response: { 200: ConnectionEnvelope, ...ErrorResponses },
			detail: { summary: 'Update a connection', description: 'Partial update: only the fields sent change; null clears a nullable field.', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await svc.remove(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: IdParams,
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Delete a connection', description: 'Permanent.', tags }
		})
}
