import { type Static, Type as t } from '@sinclair/typebox'
import { FilterRule, MAX_FILTER_RULES } from '../routing/filters'
import { MULTILINE_TEXT, SINGLE_LINE_TEXT } from '../lib/text'

const Nullable = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer>>(schema: T) => t.Union([schema, t.Null()])
const Name = t.String({ minLength: 1, maxLength: 200, pattern: SINGLE_LINE_TEXT, description: 'Connection name', examples: ['Orders to backend'] })
const Description = t.String({ maxLength: 2000, pattern: MULTILINE_TEXT, description: 'Connection description' })
const Status = t.Union([t.Literal('active'), t.Literal('paused'), t.Literal('disabled')], { description: 'Only active connections route events' })
const FilterRules = t.Array(FilterRule, {
	maxItems: MAX_FILTER_RULES,
	description: 'Every rule must match (AND) for an event to be routed; null or [] means no filtering',
	examples: [[{ field: 'payload.type', op: 'eq', value: 'order.created' }]]
})
const TransformExpression = t.String({
	minLength: 1,
	maxLength: 65536,
	description: 'JSONata expression; its result (a JSON object) replaces the delivered body',
	examples: ['{"id": id, "kind": type}']
})

/** `POST /v1/connections` body, as reference §2.4. */
export const CreateConnectionBody = t.Object(
	{
		org_id: t.Optional(t.String({ description: 'Organization ID (defaults to auth context)' })),
		env_id: t.Optional(t.String({ description: 'Environment ID (defaults to auth context)' })),
		source_id: t.String({ description: 'Source ID (same environment)', examples: ['src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
		destination_id: t.String({ description: 'Destination ID (same environment)', examples: ['dst_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
		name: Name,
		description: t.Optional(t.Union([Description, t.Null()])),
		filter_rules: t.Optional(FilterRules),
		enabled: t.Optional(t.Boolean({ description: 'Default true' })),
		transform_enabled: t.Optional(t.Boolean({ description: 'Defaults to true when transform_expression is set' })),
		transform_expression: t.Optional(t.Union([TransformExpression, t.Null()]))
	},
	{ additionalProperties: false }
)
export type CreateConnectionBody = Static<typeof CreateConnectionBody>

/** `PATCH /v1/connections/:id` body: every field optional; `null` clears a nullable one. */
export const UpdateConnectionBody = t.Object(
	{
		name: t.Optional(Name),
		description: t.Optional(t.Union([Description, t.Null()])),
		enabled: t.Optional(t.Boolean()),
		filter_rules: t.Optional(FilterRules),
		status: t.Optional(Status),
		transform_enabled: t.Optional(t.Boolean()),
		transform_expression: t.Optional(t.Union([TransformExpression, t.Null()]))
	},
	{ additionalProperties: false, minProperties: 1 }
)
export type UpdateConnectionBody = Static<typeof UpdateConnectionBody>

/** What a list call asks for, after the HTTP layer has parsed the query string. */
export interface ListConnectionsOptions {
	cursor?: string | undefined
	limit?: number | undefined
	source_id?: string | undefined
	destination_id?: string | undefined
}

/** The reference's Connection row, key for key. */
export const Connection = t.Object({
	id: t.String({ examples: ['conn_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	env_id: t.String(),
	source_id: t.String(),
	destination_id: t.String(),
	name: t.String(),
	description: Nullable(t.String()),
	enabled: t.Integer(),
	filter_rules: Nullable(t.String({ description: 'JSON string: array of {field, op, value}' })),
	status: t.String(),
	event_count: t.Integer(),
	last_event_at: Nullable(t.String()),
	created_at: t.String(),
	updated_at: t.String(),
	transform_enabled: t.Integer(),
	transform_expression: Nullable(t.String()),
	source_name: Nullable(t.String()),
	destination_name: Nullable(t.String())
})
export type Connection = Static<typeof Connection>

/** `{ connection }`: the create, get and update response. */
export const ConnectionEnvelope = t.Object({ connection: Connection })
/** The list response: newest first, cursor-paginated. */
export const ConnectionList = t.Object({ connections: t.Array(Connection), cursor: t.Union([t.String(), t.Null()]), has_more: t.Boolean() })
