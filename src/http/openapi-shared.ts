import { t } from 'elysia'

/** The contract's error envelope, documented once for every route. */
export const ErrorEnvelope = t.Object({
	error: t.String({ examples: ["Invalid body: 'slug' must match pattern ^[a-z0-9-]+$"] }),
	status: t.Integer({ examples: [400] }),
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
