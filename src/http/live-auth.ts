import type { AuthContext } from '../auth/service'
import { type AuthDeps, assertSameOrigin, identify } from './auth'

/**
 * Who may open a live stream (`/v1/ws`, `/v1/events/stream`): checked once, before
 * the WebSocket upgrade or the first SSE byte, so a bad credential is a plain 401.
 * Credentials: `?token=<key>` (browsers' EventSource and WebSocket cannot set headers),
 * else whatever every other /v1 route takes: `X-API-Key`, `Authorization: Bearer`, or the
 * dashboard's session cookie. A browser always sends `Origin` on a WebSocket handshake, and a
 * cookie would ride along on a foreign page's handshake too: cookie upgrades must be same-origin.
 */
export async function authenticateLive(deps: AuthDeps, request: Request, url: URL): Promise<AuthContext> {
	const token = url.searchParams.get('token')
	const keyHeaders = request.headers.has('x-api-key') || request.headers.has('authorization')
	if (token !== null && !keyHeaders) return deps.keys.authenticate(token.trim())
	const auth = await identify(deps, request)
	if (auth.userId !== null && !keyHeaders && request.headers.get('upgrade')?.toLowerCase() === 'websocket') assertSameOrigin(request, deps.publicUrl)
	return auth
}
