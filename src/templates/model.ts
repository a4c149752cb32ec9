import { Type as t, type Static } from '@sinclair/typebox'

/** What a provider is, for grouping in a picker. */
export const TEMPLATE_CATEGORIES = [
	'payments', 'commerce', 'source_control', 'ci_cd', 'auth', 'communication', 'crm', 'email', 'forms',
	'scheduling', 'e_signature', 'monitoring', 'cloud', 'productivity', 'content', 'identity', 'other'
] as const

/** One provider template as shipped in `src/templates/<slug>.json`. Checked at load. */
export const Template = t.Object(
	{
		slug: t.String({ pattern: '^[a-z0-9-]+$' }),
		name: t.String({ minLength: 1 }),
		description: t.String(),
		/** The `verification_type` copied onto a source, or null when the provider does not sign. */
		verification_type: t.Union([t.String(), t.Null()]),
		/** Primary signature header copied into `verification_header`. */
		verification_header: t.Union([t.String(), t.Null()]),
		/** Every header the scheme reads (signature, timestamp, id). */
		headers: t.Array(t.String()),
		/** Copied into `verification_config` (stored as a JSON string). */
		verification_config: t.Record(t.String(), t.Unknown()),
		/** Human hint of what the secret looks like, e.g. `whsec_…`. */
		secret_format: t.Union([t.String(), t.Null()]),
		timestamp_tolerance_seconds: t.Union([t.Integer({ minimum: 0 }), t.Null()]),
		dedup: t.Union([
			t.Object(
				{
					strategy: t.Union([t.Literal('header_field'), t.Literal('body_field'), t.Literal('payload_hash')]),
					field: t.Union([t.String(), t.Null()])
				},
				{ additionalProperties: false }
			),
			t.Null()
		]),
		docs_url: t.String(),
		category: t.Union([
			t.Literal('payments'), t.Literal('commerce'), t.Literal('source_control'), t.Literal('ci_cd'), t.Literal('auth'), t.Literal('communication'), t.Literal('crm'), t.Literal('email'), t.Literal('forms'),
			t.Literal('scheduling'), t.Literal('e_signature'), t.Literal('monitoring'), t.Literal('cloud'), t.Literal('productivity'), t.Literal('content'), t.Literal('identity'), t.Literal('other')
		]),
		/** The challenge this provider sends before (or besides) events and expects answered synchronously; null when none. */
		handshake: t.Union([t.String(), t.Null()]),
		/** A representative payload as the provider sends it: JSON, or a string for form-encoded senders. */
		sample_event: t.Unknown()
	},
	{ additionalProperties: false }
)
export type Template = Static<typeof Template>
