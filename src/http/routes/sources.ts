import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { CreateSourceBody, SourceEnvelope, SourceList, UpdateSourceBody } from '../../sources/model'
import { assertScope, authContextOf } from '../auth'
import { baseUrlOf } from '../base-url'
import { ErrorResponses, Success } from '../openapi-shared'
import { canonicalPathIds } from '../path-ids'

const IdParams = t.Object({ id: t.String({ description: 'Source ID', examples: ['src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const tags = ['Sources']

/** Query strings arrive as text; Elysia's `t` coerces numerals for `limit`. */
const ListSourcesQuery = t.Object(
	{
		cursor: t.Optional(t.String({ description: 'Opaque cursor from the previous page' })),
		limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'Page size (default 20, max 100)' })),
		status: t.Optional(t.Union([t.Literal('active'), t.Literal('paused'), t.Literal('disabled')])),
		org_id: t.Optional(t.String()),
		env_id: t.Optional(t.String())
	},
	{ additionalProperties: false }
)

/** Thin: validate, scope, call the service, shape the envelope. */
export function sourceRoutes(ctx: AppContext) {
	const base = (request: Request) => baseUrlOf(ctx.config, request)

	return new Elysia({ name: 'routes.sources', prefix: '/v1/sources' })
		.use(canonicalPathIds('src'))
		.post('', async ({ body, request, set }) => {
			const auth = authContextOf(request)
			assertScope(auth, body)
			const source = await ctx.sources.create(auth, body, base(request))
			set.status = 201
			return { source }
		}, {
			// On create, `null` means "not set" (clients often send every key): drop it before validation.
			transform({ body }) {
				if (body && typeof body === 'object' && !Array.isArray(body)) {
					for (const [k, v] of Object.entries(body)) if (v === null) delete (body as Record<string, unknown>)[k]
				}
			},
			body: CreateSourceBody,
			parse: 'json',
			response: { 201: SourceEnvelope, ...ErrorResponses },
			detail: { summary: 'Create a source', description: 'Create a new webhook source. Optionally apply a template for pre-configured verification.', tags }
		})
		.get('', async ({ query, request }) => {
			const auth = authContextOf(request)
			assertScope(auth, query)
			const page = await ctx.sources.list(auth, query, base(request))
			return { sources: page.items, cursor: page.next_cursor, has_more: page.has_more }
		}, {
			query: ListSourcesQuery,
			response: { 200: SourceList, ...ErrorResponses },
			detail: { summary: 'List sources', description: 'Newest first, cursor-paginated.', tags }
		})
		.get('/:id', async ({ params, request }) => ({ source: await ctx.sources.get(authContextOf(request), params.id, base(request)) }), {
			params: IdParams,
			response: { 200: SourceEnvelope, ...ErrorResponses },
			detail: { summary: 'Get a source', tags }
		})
		.patch('/:id', async ({ params, body, request }) => ({ source: await ctx.sources.update(authContextOf(request), params.id, body, base(request)) }), {
			params: IdParams,
			body: UpdateSourceBody,
			parse: 'json',
			response: { 200: SourceEnvelope, ...ErrorResponses },
			detail: { summary: 'Update a source', description: 'Partial update: only the fields sent change; null clears a nullable field.', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await ctx.sources.remove(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: IdParams,
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Delete a source', tags }
		})
}
