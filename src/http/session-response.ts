import type { CustomResponse } from '../sessions/service'

/**
 * A test session's configured answer to senders. Whatever its content type, it
 * is served from the API's origin, so it may never run as a page there.
 */
export function sessionResponse(custom: CustomResponse, requestId: string): Response {
	return new Response(custom.body, {
		status: custom.status,
		headers: {
			'content-type': custom.contentType, 'x-request-id': requestId,
			'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; sandbox"
		}
	})
}
