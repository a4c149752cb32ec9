import { Type as t, type Static } from '@sinclair/typebox'
import type { DestinationRow } from './repo'
import { SINGLE_LINE_TEXT } from '../lib/text'

const Nullable = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer>>(schema: T) => t.Union([schema, t.Null()])
const Slug = t.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9-]+$', description: 'URL-safe slug, unique per environment', examples: ['backend-api'] })
const Name = t.String({ minLength: 1, maxLength: 200, pattern: SINGLE_LINE_TEXT, description: 'Destination name', examples: ['Backend API'] })
// Object fields (headers, auth_config, signing_config) are checked key by key in rules.ts:
// a schema union with null would make a 400 name only the outer field, not e.g. /signing_config/secret.
const JsonObject = t.Record(t.String(), t.Unknown())
const Url = t.String({ minLength: 1, maxLength: 2048, description: 'Absolute http(s) URL, required for http; no credentials in it', examples: ['https://api.example.com/webhooks'] })
const DestinationType = t.String({
	description: 'http (default) | aws_sqs | aws_s3 | aws_eventbridge | gcp_pubsub | kafka | rabbitmq | websocket (aliases sqs, s3, eventbridge, pubsub and hyphen spellings accepted)'
})
const Method = t.Union([t.Literal('POST'), t.Literal('PUT'), t.Literal('PATCH')], { description: 'HTTP method (default POST)' })
const HeadersField = t.Union([JsonObject, t.Null()], { description: 'Extra request headers, name → string value (max 50); null clears' })
const Timeout = t.Integer({ minimum: 1000, maximum: 120000, description: 'Request timeout in ms (default 30000)' })
const TimeoutSeconds = t.Integer({ minimum: 1, maximum: 120, description: 'Request timeout in seconds: alias of timeout_ms (the HTTP provider page’s name); when both are sent they must agree' })
const AuthTypeField = t.String({ description: 'none (default) | bearer | basic | api_key | custom' })
const AuthConfig = t.Union([JsonObject, t.Null()], {
	description: 'bearer {token}; basic {username, password}; api_key {header (default X-API-Key), key}; custom {headers: {name: value}}. Stored encrypted, returned masked.'
})
const Status = t.Union([t.Literal('active'), t.Literal('paused'), t.Literal('disabled')])
const Backoff = t.Union([t.Literal('exponential'), t.Literal('linear'), t.Literal('fixed')], { description: 'Default exponential' })
const Intervals = t.Array(t.Integer({ minimum: 1, maximum: 604800 }), { minItems: 1, maxItems: 10, description: 'Retry delays in seconds (default [30,300,1800,7200,86400])' })
const MaxAttempts = t.Integer({ minimum: 1, maximum: 10, description: 'Total attempts including the first (default 5)' })
const Threshold = t.Integer({ minimum: 1, maximum: 100, description: 'Consecutive failures that open the circuit (default 5)' })
const ResetMs = t.Integer({ minimum: 1000, maximum: 86400000, description: 'Cooldown before a probe, in ms (default 60000)' })
const ProviderConfig = t.Union([JsonObject, t.Null()], { description: 'Settings of a non-http type (see the README section of each type); credentials stored encrypted, returned masked. On PATCH of the same type it is merged onto the stored settings (null removes a key).' })

const SigningConfigField = t.Union([JsonObject, t.Null()], {
	description: "Outbound HMAC signing: {secret (required, ≥ 8 chars), algorithm sha256|sha1 (default sha256), header (default X-hookstream-Signature), prefix (default '{algorithm}='), include_timestamp (default false), timestamp_header (default X-hookstream-Timestamp)}. Secret stored encrypted, returned masked. null clears."
})

/** Fields shared by create and update; create makes name and slug required. */
const common = {
	org_id: t.Optional(t.String({ description: 'Organization ID (defaults to auth context)' })),
	env_id: t.Optional(t.String({ description: 'Environment ID (defaults to auth context)' })),
	type: t.Optional(DestinationType),
	url: t.Optional(Url),
	method: t.Optional(Method),
	headers: t.Optional(HeadersField),
	timeout_ms: t.Optional(Timeout),
	timeout: t.Optional(TimeoutSeconds),
	auth_type: t.Optional(AuthTypeField),
	auth_config: t.Optional(AuthConfig),
	signing_config: t.Optional(SigningConfigField),
	provider_config: t.Optional(ProviderConfig),
	config: t.Optional(t.Union([JsonObject, t.Null()], { description: 'Alias of provider_config' })),
	retry_enabled: t.Optional(t.Boolean({ description: 'Default true' })),
	retry_max_attempts: t.Optional(MaxAttempts),
	retry_backoff_type: t.Optional(Backoff),
	retry_intervals: t.Optional(Intervals),
	circuit_breaker_enabled: t.Optional(t.Boolean({ description: 'Default true' })),
	circuit_breaker_threshold: t.Optional(Threshold),
	circuit_breaker_reset_ms: t.Optional(ResetMs)
}

/** `POST /v1/destinations` body: the reference's create body, plus `signing_config`. */
export const CreateDestinationBody = t.Object({ name: Name, slug: Slug, ...common }, { additionalProperties: false })
export type CreateDestinationBody = Static<typeof CreateDestinationBody>

/** `PATCH /v1/destinations/:id` body: every field optional, plus `status`; `null` clears a nullable one. */
export const UpdateDestinationBody = t.Object(
	{ name: t.Optional(Name), slug: t.Optional(Slug), status: t.Optional(Status), ...common },
	{ additionalProperties: false, minProperties: 1 }
)
export type UpdateDestinationBody = Static<typeof UpdateDestinationBody>

/** What a list call asks for, after the HTTP layer has parsed the query string. */
export interface ListDestinationsOptions {
	cursor?: string | undefined
	limit?: number | undefined
}

/** The reference's OpenAPI row, key for key, plus `signing_config` from its signing guide. */
export const Destination = t.Object({
	id: t.String({ examples: ['dst_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	env_id: t.String(),
	name: t.String(),
	slug: t.String(),
	url: t.String(),
	method: t.String(),
	headers: Nullable(t.String({ description: 'JSON string object' })),
	timeout_ms: t.Integer(),
	timeout: t.Number({ description: 'timeout_ms in seconds (alias)' }),
	auth_type: t.String(),
	auth_config: Nullable(t.String({ description: 'JSON string; secret values masked (last 4 characters)' })),
	status: t.String(),
	event_count: t.Integer(),
	last_delivery_at: Nullable(t.String()),
	created_at: t.String(),
	updated_at: t.String(),
	retry_enabled: Nullable(t.Integer()),
	retry_max_attempts: Nullable(t.Integer()),
	retry_backoff_type: Nullable(t.String()),
	retry_intervals: Nullable(t.String({ description: 'JSON string array of seconds' })),
	circuit_breaker_enabled: Nullable(t.Integer()),
	circuit_breaker_threshold: Nullable(t.Integer()),
	circuit_breaker_reset_ms: Nullable(t.Integer()),
	type: t.String(),
	provider_config: Nullable(t.String({ description: 'JSON string; secret values masked' })),
	signing_config: Nullable(t.String({ description: 'JSON string; secret masked (last 4 characters)' }))
})
export type Destination = Static<typeof Destination>

/** `{"destination":{…}}` */
export const DestinationEnvelope = t.Object({ destination: Destination })
/** `{"destinations":[…],"cursor","has_more"}` */
export const DestinationList = t.Object({ destinations: t.Array(Destination), cursor: t.Union([t.String(), t.Null()]), has_more: t.Boolean() })

/** Circuit-breaker state of one destination, times as ISO 8601. */
export const Circuit = t.Object({
	state: t.Union([t.Literal('closed'), t.Literal('open'), t.Literal('half-open')]),
	failure_count: t.Integer(),
	opened_at: Nullable(t.String()),
	next_probe_at: Nullable(t.String()),
	last_transition_at: Nullable(t.String())
})
/** `{"circuit":{…}}` */
export const CircuitEnvelope = t.Object({ circuit: Circuit })

/** How the worker authenticates to the receiver. */
export type AuthType = 'none' | 'bearer' | 'basic' | 'api_key' | 'custom'

/** Opened auth settings, one shape per `auth_type`. */
export type DestinationAuth =
	| { type: 'none'; config: null }
	| { type: 'bearer'; config: { token: string } }
	| { type: 'basic'; config: { username: string; password: string } }
	| { type: 'api_key'; config: { header: string; key: string } }
	| { type: 'custom'; config: { headers: Record<string, string> } }

/** Opened signing settings with every default filled. */
export interface SigningConfig {
	secret: string
	algorithm: 'sha256' | 'sha1'
	header: string
	prefix: string
	include_timestamp: boolean
	timestamp_header: string
}

/** A destination with its secrets opened, for the delivery worker (which reads its policy from `row`). */
export interface DeliveryTarget {
	/** The stored row as is: its credential columns are still sealed, use `auth` and `signing`. */
	row: DestinationRow
	/** User headers from `headers` ({} when none). */
	headers: Record<string, string>
	auth: DestinationAuth
	signing: SigningConfig | null
	/** Opened `provider_config` of a non-http type (canonical form, see provider-config.ts); null for http. */
	provider: Record<string, unknown> | null
}
