import type { ApiKeyService, AuthContext } from '../auth/service'
import { Forbidden, Unauthorized } from '../lib/errors'
import { authenticateLive } from './live-auth'
import { requestUrl } from './url'

/** Routes under /v1 that take no API key: ingest is authenticated by signatures instead; test sessions are open (claim checks its key itself). */
const PUBLIC_V1 = ['/v1/ingest/', '/v1/test/sessions', '/v1/agent/sessions']

const authOf = new WeakMap<Request, AuthContext>()

export function isPublicPath(path: string): boolean {
	return !path.startsWith('/v1/') || PUBLIC_V1.some((p) => path.startsWith(p))
}

/** `X-API-Key: hs_live_…` or `Authorization: Bearer hs_live_…`. */
export function credentialOf(headers: Headers): string {
	const apiKey = headers.get('x-api-key')
	if (apiKey !== null) return apiKey.trim()
	const authorization = headers.get('authorization')
	if (authorization === null) throw new Unauthorized('Missing API key: send X-API-Key or Authorization: Bearer')
	const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
	if (!match?.[1]) throw new Unauthorized('Invalid Authorization header: expected Bearer <api key>')
	return match[1]
}

/**
 * Runs in onRequest, before parsing and validation, so a caller without a valid
 * key learns nothing about the body rules or which routes exist.
 */
export async function authenticateRequest(keys: ApiKeyService, request: Request, path: string): Promise<void> {
	if (isPublicPath(path)) return
	// The SSE stream also takes ?token= (EventSource cannot send headers): live-auth.ts reads live credentials.
	if (path === '/v1/events/stream') return void authOf.set(request, await authenticateLive(keys, request, requestUrl(request)))
	authOf.set(request, await keys.authenticate(credentialOf(request.headers)))
}

export function authContextOf(request: Request): AuthContext {
	const auth = authOf.get(request)
	if (!auth) throw new Unauthorized()
	return auth
}

/** A body or query may name the key's own org/environment, and no other. */
export function assertScope(auth: AuthContext, scope: { org_id?: string | undefined; env_id?: string | undefined }): void {
	if (scope.org_id !== undefined && scope.org_id !== auth.orgId) throw new Forbidden('org_id does not match the API key\'s organization')
	if (scope.env_id !== undefined && scope.env_id !== auth.envId) throw new Forbidden('env_id does not match the API key\'s environment')
}
