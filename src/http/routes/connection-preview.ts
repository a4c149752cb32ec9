import { Elysia, t } from 'elysia'
import { previewConnection } from '../../connections/preview'
import type { AppContext } from '../../context'
import { asId } from '../../lib/ids'
import { FilterRule, MAX_FILTER_RULES } from '../../routing/filters'
import { authContextOf } from '../auth'
import { ErrorResponses } from '../openapi-shared'

const PreviewBody = t.Object(
	{
		event_id: t.String({ minLength: 1, description: 'A stored event of this environment to run the rules against', examples: ['evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
		filter_rules: t.Optional(t.Union([t.Array(FilterRule, { maxItems: MAX_FILTER_RULES }), t.Null()], { description: 'As on a connection: every rule must match' })),
		transform_expression: t.Optional(t.Union([t.String({ maxLength: 10000 }), t.Null()], { description: 'JSONata; empty or null means no transform' }))
	},
	{ additionalProperties: false }
)

const PreviewResult = t.Object({
	event_id: t.String(),
	matched: t.Boolean({ description: 'Whether the filter rules let the event through (true without rules)' }),
	output: t.Unknown({ description: 'The body a delivery would send: the transform\'s output, or the parsed payload without a transform; null when not JSON or the transform failed' }),
	transform_error: t.Union([t.String(), t.Null()], { description: 'Why the transform failed on this event (a delivery would record transform_error)' })
})

/** Try a connection's filters and JSONata transform on a real event before saving them. */
export function connectionPreviewRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.connection-preview', prefix: '/v1/connections' }).post(
		'/transform-preview',
		({ body, request }) => previewConnection(ctx.events, authContextOf(request), { ...body, event_id: asId('evt', body.event_id) ?? body.event_id }),
		{
			body: PreviewBody,
			response: { 200: PreviewResult, ...ErrorResponses },
			detail: {
				summary: 'Preview a connection\'s filters and transform',
				description: 'Runs filter rules and a JSONata expression against a stored event without saving anything, with the delivery worker\'s limits. A rule or expression that does not parse is a 400; a transform that fails on this event is reported in `transform_error`.',
				tags: ['Connections']
			}
		}
	)
}
