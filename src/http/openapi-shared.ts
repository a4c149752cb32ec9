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

/** The error envelope as a hand-written OpenAPI response (routes whose answers Elysia does not check). */
function errorResponse(description: string) {
	// A TypeBox schema is a JSON Schema; openapi-types only types it differently (3.0's boolean exclusiveMaximum).
	return { description, content: { 'application/json': { schema: ErrorEnvelope as unknown as OpenAPIV3.SchemaObject } } }
}

function errorResponses(errors: Record<number, string>) {
	return Object.fromEntries(Object.entries(errors).map(([status, text]) => [status, errorResponse(text)]))
}

/**
 * OpenAPI `responses` for a route that answers raw bytes (no response schema for
 * Elysia to check): the body as binary, and the usual error envelopes.
 */
export function binaryResponses(description: string) {
	return {
		200: { description, content: { 'application/octet-stream': { schema: { type: 'string' as const, format: 'binary' } } } },
		...errorResponses({ 400: 'Invalid id', 401: 'Missing or invalid API key', 403: 'Not this key\'s environment', 404: 'Not found' })
	}
}

/** OpenAPI `responses` for a streamed text answer (SSE, NDJSON, CSV) in any of `contentTypes`, and its errors. */
export function streamResponses(description: string, contentTypes: readonly string[], errors: Record<number, string>) {
	const content = Object.fromEntries(contentTypes.map((type) => [type, { schema: { type: 'string' as const } }]))
	return { 200: { description, content }, ...errorResponses(errors) }
}

/**
 * OpenAPI `responses` for a WebSocket endpoint. Success is `101 Switching
 * Protocols`, which OpenAPI cannot describe as a 2xx: it is documented as
 * `default` (every status not listed), next to the errors answered before upgrading.
 */
export function upgradeResponses(errors: Record<number, string>) {
	return { default: { description: '101 Switching Protocols: the connection becomes the WebSocket described above' }, ...errorResponses(errors) }
}
