import { Type } from '@sinclair/typebox'
import { t } from 'elysia'
import type { OpenAPIV3 } from 'openapi-types'

/** The contract's error envelope, documented once for every route. */
export const ErrorEnvelope = t.Object({
	error: t.String({ examples: ["Invalid body: 'slug' must match pattern ^[a-z0-9-]+$"] }),
	// Plain TypeBox: Elysia's own t.Integer documents itself as 'integer or numeric string' (it coerces input), and this is output.
	status: Type.Integer({ examples: [400] }),
	request_id: t.String({ examples: ['req_1a2b3c4d5e6f'] }),
	details: t.Optional(t.Array(t.Object({ path: t.String(), message: t.String() })))
})

export const ErrorResponses = {
	400: ErrorEnvelope,
	401: ErrorEnvelope,
	403: ErrorEnvelope,
	404: ErrorEnvelope,
	409: ErrorEnvelope
} as const

export const Success = t.Object({ success: t.Literal(true) })

/** The one 4xx a probe can get: the runtime refuses request headers over `--max-header-bytes` before any handler runs. */
export const HeadersTooLarge = t.String({ maxLength: 0, description: 'Request headers over --max-header-bytes: answered by the runtime itself, with an empty body' })

/**
 * OpenAPI `responses` for a route that answers raw bytes (no response schema for
 * Elysia to check): the body as binary, and the usual error envelopes.
 */
export function binaryResponses(description: string) {
	// A TypeBox schema is a JSON Schema; openapi-types only types it differently (3.0's boolean exclusiveMaximum).
	const schema = ErrorEnvelope as unknown as OpenAPIV3.SchemaObject
	const error = (text: string) => ({ description: text, content: { 'application/json': { schema } } })
	return {
		200: { description, content: { 'application/octet-stream': { schema: { type: 'string' as const, format: 'binary' } } } },
		400: error('Invalid id'),
		401: error('Missing or invalid API key'),
		403: error('Not this key\'s environment'),
		404: error('Not found')
	}
}
