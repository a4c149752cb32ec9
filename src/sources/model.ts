import { Type as t, type Static } from '@sinclair/typebox'
import { MULTILINE_TEXT, SINGLE_LINE_TEXT } from '../lib/text'
import { VERIFICATION_TYPES } from '../verify/types'

const Nullable = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer>>(schema: T) => t.Union([schema, t.Null()])
const Slug = t.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$', description: 'URL-safe slug, unique per environment', examples: ['stripe-prod'] })
const Name = t.String({ minLength: 1, maxLength: 200, pattern: SINGLE_LINE_TEXT, description: 'Source name', examples: ['Stripe production'] })
const Description = t.String({ maxLength: 2000, pattern: MULTILINE_TEXT, description: 'Source description' })
const Header = t.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", description: 'An HTTP header name' })
const IpList = t.Array(t.String({ maxLength: 64 }), { maxItems: 1000, description: 'IPv4/IPv6 addresses or CIDR ranges' })
const SourceType = t.Union([t.Literal('http'), t.Literal('websocket')], { description: 'Source type' })
const Status = t.Union([t.Literal('active'), t.Literal('paused'), t.Literal('disabled')])
const SchemaAction = t.Union([t.Literal('reject'), t.Literal('warn')])
const OneSecret = t.String({ minLength: 1, maxLength: 4096 })
const Secret = t.Union([OneSecret, t.Array(OneSecret, { minItems: 1, maxItems: 5 })], {
	description: 'Verification secret, or up to 5 during a rotation (any one verifies). Stored encrypted, returned masked.'
})
const VerificationType = t.String({
	description: `${VERIFICATION_TYPES.join(' | ')} (hyphen spellings accepted)`
})
const DedupStrategy = t.String({ description: 'payload_hash | header_field | body_field' })
const DedupField = t.String({ minLength: 1, maxLength: 200, description: 'Header name, or body dot path such as data.id / $.data.id' })
const DedupWindow = t.Integer({ minimum: 0, maximum: 604800, description: 'Dedup window in seconds (default 300; 0 means the default, as the reference\'s own example sends it)' })
const JsonObject = t.Record(t.String(), t.Unknown())

/** `POST /v1/sources` body: the seed's fields, plus the schema settings the update body takes. */
/** Per-source ingest limit (issue 12): a token bucket of this many requests per second. */
const RateLimitPerSecond = t.Integer({ minimum: 1, maximum: 1000000, description: 'Ingest requests per second (429 with Retry-After above it, nothing stored)' })

export const CreateSourceBody = t.Object(
	{
		org_id: t.Optional(t.String({ description: 'Organization ID (defaults to auth context)' })),
		env_id: t.Optional(t.String({ description: 'Environment ID (defaults to auth context)' })),
		name: Name,
		slug: Slug,
		description: t.Optional(Description),
		template: t.Optional(t.String({ description: 'Template slug (e.g. stripe, github)' })),
		type: t.Optional(SourceType),
		source_config: t.Optional(JsonObject),
		verification_enabled: t.Optional(t.Boolean()),
		verification_type: t.Optional(VerificationType),
		verification_secret: t.Optional(Secret),
		verification_header: t.Optional(Header),
		verification_config: t.Optional(JsonObject),
		dedup_enabled: t.Optional(t.Boolean()),
		dedup_strategy: t.Optional(DedupStrategy),
		dedup_field: t.Optional(DedupField),
		dedup_window_seconds: t.Optional(DedupWindow),
		ip_allowlist: t.Optional(IpList),
		ip_denylist: t.Optional(IpList),
		schema_validation_enabled: t.Optional(t.Boolean()),
		json_schema: t.Optional(JsonObject),
		schema_action: t.Optional(SchemaAction),
		rate_limit_per_second: t.Optional(RateLimitPerSecond)
	},
	{ additionalProperties: false }
)
export type CreateSourceBody = Static<typeof CreateSourceBody>

/** `PATCH /v1/sources/:id` body: every field optional; `null` clears a nullable one. */
export const UpdateSourceBody = t.Object(
	{
		name: t.Optional(Name),
		description: t.Optional(t.Union([Description, t.Null()])),
		type: t.Optional(SourceType),
		source_config: t.Optional(t.Union([JsonObject, t.Null()])),
		verification_enabled: t.Optional(t.Boolean()),
		verification_type: t.Optional(t.Union([VerificationType, t.Null()])),
		verification_secret: t.Optional(t.Union([Secret, t.Null()])),
		verification_header: t.Optional(t.Union([Header, t.Null()])),
		verification_config: t.Optional(t.Union([JsonObject, t.String(), t.Null()], { description: 'Object, or the same as a JSON string' })),
		dedup_enabled: t.Optional(t.Boolean()),
		dedup_strategy: t.Optional(t.Union([DedupStrategy, t.Null()])),
		dedup_field: t.Optional(t.Union([DedupField, t.Null()])),
		dedup_window_seconds: t.Optional(DedupWindow),
		ip_allowlist: t.Optional(t.Union([IpList, t.Null()])),
		ip_denylist: t.Optional(t.Union([IpList, t.Null()])),
		status: t.Optional(Status),
		schema_validation_enabled: t.Optional(t.Boolean()),
		json_schema: t.Optional(t.Union([JsonObject, t.Null()])),
		schema_action: t.Optional(SchemaAction),
		rate_limit_per_second: t.Optional(t.Union([RateLimitPerSecond, t.Null()]))
	},
	{ additionalProperties: false, minProperties: 1 }
)
export type UpdateSourceBody = Static<typeof UpdateSourceBody>

/** What a list call asks for, after the HTTP layer has parsed the query string. */
export interface ListSourcesOptions {
	cursor?: string | undefined
	limit?: number | undefined
	status?: 'active' | 'paused' | 'disabled' | undefined
}

/** The seed's row shape, key for key, plus the absolute ingest `url`. */
export const Source = t.Object({
	id: t.String({ examples: ['src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	env_id: t.String(),
	slug: t.String(),
	name: t.String(),
	description: Nullable(t.String()),
	template: Nullable(t.String()),
	verification_enabled: t.Integer(),
	verification_type: Nullable(t.String()),
	verification_secret: Nullable(t.String({ description: 'Masked: only the last 4 characters are shown' })),
	verification_header: Nullable(t.String()),
	verification_config: Nullable(t.String({ description: 'JSON string' })),
	dedup_enabled: t.Integer(),
	dedup_strategy: Nullable(t.String()),
	dedup_field: Nullable(t.String()),
	dedup_window_seconds: t.Integer(),
	ip_allowlist: Nullable(t.String({ description: 'JSON string array' })),
	ip_denylist: Nullable(t.String({ description: 'JSON string array' })),
	status: t.String(),
	event_count: t.Integer(),
	last_event_at: Nullable(t.String()),
	created_at: t.String(),
	updated_at: t.String(),
	is_ephemeral: t.Integer(),
	expires_at: Nullable(t.String()),
	request_limit: Nullable(t.Integer()),
	type: t.String(),
	source_config: Nullable(t.String({ description: 'JSON string' })),
	schema_validation_enabled: t.Integer(),
	json_schema: Nullable(t.String({ description: 'JSON string' })),
	schema_action: Nullable(t.String()),
	rate_limit_per_second: Nullable(t.Integer({ description: 'Ingest requests per second this source accepts (429 with Retry-After above it, nothing stored); null = unlimited' })),
	url: t.String({ description: 'Absolute ingest URL', examples: ['https://hooks.example.com/v1/ingest/src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] })
})
export type Source = Static<typeof Source>

export const SourceEnvelope = t.Object({ source: Source })
export const SourceList = t.Object({ sources: t.Array(Source), cursor: t.Union([t.String(), t.Null()]), has_more: t.Boolean() })
