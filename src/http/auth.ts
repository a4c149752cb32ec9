import { SESSION_COOKIE } from '../accounts/constants'
import { atLeast, isReadMethod, requirementFor } from '../accounts/roles'
import type { SessionResolver } from '../accounts/sessions'
import type { ApiKeyService, AuthContext } from '../auth/service'
import type { AppContext } from '../context'
import { Forbidden, NotFound, Unauthorized } from '../lib/errors'
import { authenticateLive } from './live-auth'
import { queryOf, requestUrl } from './url'

/**
 * Routes under /v1 that take no credentials: ingest (signatures instead), test sessions (open by
 * design; claim checks its key itself), device login, invitation pages.
 */
const PUBLIC_V1 = ['/v1/ingest/', '/v1/test/sessions', '/v1/agent/sessions']
const PUBLIC_EXACT = new Set(['/v1/auth/device/code', '/v1/auth/device/token'])
const PUBLIC_INVITATION = /^\/v1\/invitations\/[^/]+(\/accept)?$/

const authOf = new WeakMap<Request, AuthContext>()

export function isPublicPath(path: string, method = 'GET'): boolean {
	if (!path.startsWith('/v1/') || PUBLIC_V1.some((p) => path.startsWith(p)) || PUBLIC_EXACT.has(path)) return true
	// GET shows an invitation, POST …/accept accepts it; cancelling one (DELETE) needs an admin.
	return PUBLIC_INVITATION.test(path) && (path.endsWith('/accept') ? method === 'POST' : method === 'GET')
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

export function hasSessionCookie(headers: Headers): boolean {
	const cookie = headers.get('cookie')
	return cookie !== null && cookie.includes(`${SESSION_COOKIE}=`)
}

/** `X-Hookstream-Env`, else `env_id` in the query. */
function envHintOf(request: Request): string | null {
	const header = request.headers.get('x-hookstream-env')
	if (header !== null && header.trim() !== '') return header.trim()
	const query = queryOf(request.url)
	return query.includes('env_id=') ? new URLSearchParams(query).get('env_id') : null
}

/**
 * A cookie rides along on cross-site requests; an `Origin` header naming this
 * server (its public URL, or the host the request was sent to) proves the
 * page that sent it is ours. No Origin on a cookie write is refused too.
 */
export function assertSameOrigin(request: Request, publicUrl: string | null): void {
	const origin = request.headers.get('origin')
	if (origin === null || origin === 'null') throw new Forbidden('Cross-site request refused: a cookie-authenticated write needs a same-origin Origin header')
	let host: string
	try {
		host = new URL(origin).host
	} catch {
		throw new Forbidden('Cross-site request refused: malformed Origin header')
	}
	if (publicUrl !== null && new URL(publicUrl).host === host) return
	// Bun builds request.url from the Host header, so this is the host the client addressed.
	if (hostOf(request.url) === host || request.headers.get('host') === host) return
	throw new Forbidden('Cross-site request refused: Origin does not match this server')
}

function hostOf(url: string): string | null {
	try {
		return new URL(url).host
	} catch {
		return null
	}
}

/** What authentication reads, from the running context (one place, for the API and the live streams). */
export function authDepsOf(ctx: Pick<AppContext, 'keys' | 'accounts' | 'config'>): AuthDeps {
	return { keys: ctx.keys, sessions: ctx.accounts.sessions, publicUrl: ctx.config.publicUrl }
}

export interface AuthDeps {
	keys: ApiKeyService
	sessions: SessionResolver
	publicUrl: string | null
}

export async function identify(deps: AuthDeps, request: Request): Promise<AuthContext> {
	const { headers } = request
	// An explicit key wins over a cookie the browser happened to send.
	if (headers.has('x-api-key') || headers.has('authorization') || !hasSessionCookie(headers)) {
		const auth = await deps.keys.authenticate(credentialOf(headers))
		const hint = headers.get('x-hookstream-env')?.trim()
		// A key belongs to one environment: any other does not exist for it.
		if (hint && hint !== auth.envId && hint !== auth.envId.slice(4)) throw new NotFound('Environment')
		return auth
	}
	const auth = await deps.sessions.context(headers, envHintOf(request))
	if (!isReadMethod(request.method)) assertSameOrigin(request, deps.publicUrl)
	return auth
}

/**
 * Runs in onRequest, before parsing and validation, so a caller without valid
 * credentials learns nothing about the body rules or which routes exist. The
 * role check is here too, once for every route (src/accounts/roles.ts).
 */
export async function authenticateRequest(deps: AuthDeps, request: Request, path: string): Promise<void> {
	if (isPublicPath(path, request.method)) return
	// The SSE stream also takes ?token= (EventSource cannot send headers): live-auth.ts reads live credentials.
	const auth = path === '/v1/events/stream' ? await authenticateLive(deps, request, requestUrl(request)) : await identify(deps, request)
	const need = requirementFor(request.method, path)
	if (need.sessionOnly && auth.userId === null) throw new Forbidden('This endpoint needs a signed-in user (session cookie); API keys cannot use it')
	if (!atLeast(auth.role, need.minRole)) throw new Forbidden(`Insufficient permission: the ${auth.role} role cannot do this`)
	authOf.set(request, auth)
}

export function authContextOf(request: Request): AuthContext {
	const auth = authOf.get(request)
	if (!auth) throw new Unauthorized()
	return auth
}

/** The signed-in session's context, or null for a public route called without one. */
export function maybeAuthContextOf(request: Request): AuthContext | null {
	return authOf.get(request) ?? null
}

/**
 * A body or query may name the caller's own org/environment, and no other. With
 * a session, `env_id` may pick any environment of the organization (unless a
 * header already chose one); an environment outside it is a 404.
 */
export function assertScope(auth: AuthContext, scope: { org_id?: string | undefined; env_id?: string | undefined }): void {
	if (scope.org_id !== undefined && scope.org_id !== auth.orgId) throw new Forbidden('org_id does not match the API key\'s organization')
	if (scope.env_id === undefined || scope.env_id === auth.envId) return
	if (auth.userId === null) throw new Forbidden('env_id does not match the API key\'s environment')
	if (!auth.orgEnvIds?.includes(scope.env_id)) throw new NotFound('Environment')
	if (auth.envFixed) throw new Forbidden('env_id does not match the environment chosen by X-Hookstream-Env')
	auth.envId = scope.env_id
}
