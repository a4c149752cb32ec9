import type { ApiKeyService, AuthContext } from '../auth/service'
import { Unauthorized } from '../lib/errors'
import { credentialOf } from './auth'

/**
 * Who may open a live stream (`/v1/ws`, `/v1/events/stream`): checked once, before
 * the WebSocket upgrade or the first SSE byte, so a bad credential is a plain 401.
 * The one place every live credential is read: `X-API-Key`, `Authorization: Bearer`
 * or `?token=` (browsers' EventSource and WebSocket cannot set headers). The
 * dashboard's session cookie (`better-auth.session_token`) belongs here too, checked
 * before the key, once accounts exist.
 */
export async function authenticateLive(keys: ApiKeyService, request: Request, url: URL): Promise<AuthContext> {
	const token = url.searchParams.get('token')
	if (token !== null && !request.headers.has('x-api-key') && !request.headers.has('authorization')) return keys.authenticate(token.trim())
	if (!request.headers.has('x-api-key') && !request.headers.has('authorization')) {
		throw new Unauthorized('Missing API key: send X-API-Key, Authorization: Bearer or ?token=')
	}
	return keys.authenticate(credentialOf(request.headers))
}
