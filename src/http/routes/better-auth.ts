import type { AppContext } from '../../context'
import type { BetterAuth } from '../../accounts/better-auth'
import { readRequestBody } from '../../lib/body'
import { AppError, MethodNotAllowed } from '../../lib/errors'
import { allowedMethods, type RouteLike } from '../allow'
import { appErrorResponse, envelope } from '../errors'
import { requestIdOf } from '../request-id'
import { pathOf } from '../url'

export const AUTH_BASE = '/api/auth'

/** The plugin's read and switch routes stay: they change nothing a role guards. */
const ORG_ROUTES_KEPT = new Set(['/organization/list', '/organization/set-active'])

/** Requests reached us over TLS (directly, through the configured https URL, or a proxy saying so). */
function isHttps(request: Request, publicUrl: string | null): boolean {
	return request.url.startsWith('https:') || (publicUrl?.startsWith('https:') ?? false) || request.headers.get('x-forwarded-proto') === 'https'
}

async function emailOf(request: Request): Promise<string> {
	try {
		const body = (await request.clone().json()) as { email?: unknown }
		return typeof body.email === 'string' ? body.email.trim().toLowerCase() : ''
	} catch {
		return ''
	}
}

/** Better Auth's own errors are `{message, code}`; the contract wants one envelope everywhere. */
async function asEnvelope(res: Response, requestId: string): Promise<Response> {
	let body: { message?: unknown; code?: unknown } = {}
	try {
		body = (await res.clone().json()) as typeof body
	} catch {
		// not JSON: keep the status, give a generic message
	}
	const message = typeof body.message === 'string' && body.message ? body.message : res.statusText || 'Request failed'
	const out = envelope(res.status, message, requestId, undefined, typeof body.code === 'string' ? { code: body.code } : undefined)
	for (const [k, v] of res.headers) if (k === 'set-cookie' || k === 'retry-after') out.headers.append(k, v)
	return out
}

/** The routes Better Auth's router serves (it skips server-only endpoints), under our base path. */
function routesOf(api: BetterAuth['api']): RouteLike[] {
	const routes: RouteLike[] = []
	for (const endpoint of Object.values(api) as { path?: string; options?: { method?: string | string[]; metadata?: { SERVER_ONLY?: boolean } } }[]) {
		if (!endpoint.path || !endpoint.options?.method || endpoint.options.metadata?.SERVER_ONLY) continue
		if (endpoint.path.startsWith('/organization/') && !ORG_ROUTES_KEPT.has(endpoint.path)) continue
		for (const method of [endpoint.options.method].flat()) routes.push({ method, path: AUTH_BASE + endpoint.path })
	}
	return routes
}

/**
 * Better Auth at its default base path `/api/auth` (sign-in/up/out, sessions).
 * Around it: a failed-sign-in limit per account, a new organization for a
 * public sign-up, `Secure` on cookies over HTTPS (keeping the documented
 * cookie name), errors in our envelope, and of the organization plugin's
 * endpoints only list and set-active (members, invitations and roles go
 * through /v1, under one set of role rules).
 */
export function betterAuthHandler(ctx: AppContext): (request: Request) => Promise<Response> {
	const { auth, signIn, users } = ctx.accounts
	// Its router answers a known path asked with another method 404; the rest of the API says 405 with Allow.
	let allow: ((path: string) => string[]) | null = null
	async function methodNotAllowed(request: Request, requestId: string): Promise<Response | null> {
		const api = (await auth()).api
		allow ??= allowedMethods(() => routesOf(api), { headWithGet: false })
		const methods = allow(pathOf(request.url))
		if (methods.length === 0 || methods.includes(request.method)) return null
		return appErrorResponse(new MethodNotAllowed(request.method, methods), requestId)
	}

	async function handle(original: Request): Promise<Response> {
		const path = pathOf(original.url).slice(AUTH_BASE.length)
		const requestId = requestIdOf(original)
		if (path.startsWith('/organization/') && !ORG_ROUTES_KEPT.has(path)) return envelope(404, 'Route not found', requestId)
		let request: Request
		try {
			request = await bodyCapped(original, ctx.config.maxBodyBytes)
		} catch (err) {
			if (err instanceof AppError) return appErrorResponse(err, requestId)
			throw err
		}
		const isSignIn = path === '/sign-in/email' && request.method === 'POST'
		const account = isSignIn ? await emailOf(request) : ''
		const wait = isSignIn ? signIn.retryAfter(account) : 0
		if (wait > 0) {
			const res = envelope(429, 'Too many failed sign-in attempts: try again later', requestId)
			res.headers.set('retry-after', String(wait))
			return res
		}
		let res = await (await auth()).handler(request)
		if (isSignIn) {
			if (res.status === 401) signIn.failed(account)
			else if (res.ok) signIn.succeeded(account)
		}
		if (res.ok && path === '/sign-up/email' && request.method === 'POST') {
			const body = (await res.clone().json()) as { user?: { id?: string } }
			if (body.user?.id) await users.onSignedUp(body.user.id, ctx.clock.now())
		}
		const refused = res.status === 404 ? await methodNotAllowed(request, requestId) : null
		if (refused) res = refused
		else if (res.status >= 400) res = await asEnvelope(res, requestId)
		if (isHttps(request, ctx.config.publicUrl)) res = withSecureCookies(res)
		if (!res.headers.has('x-request-id')) {
			res = new Response(res.body, res)
			res.headers.set('x-request-id', requestId)
		}
		return res
	}

	return handle
}

/**
 * These routes are served before our body parser, so the body cap is applied
 * here: an oversized body is a 413 and is never read whole (nor twice, by the
 * sign-in limit and by Better Auth).
 */
async function bodyCapped(request: Request, maxBytes: number): Promise<Request> {
	if (request.body === null || request.method === 'GET' || request.method === 'HEAD') return request
	const body = await readRequestBody(request, maxBytes)
	return new Request(request.url, { method: request.method, headers: request.headers, body, signal: request.signal })
}

/** True for paths Better Auth answers. They are served from onRequest, before our JSON body parser reads the body. */
export function isAuthPath(path: string): boolean {
	return path.startsWith(`${AUTH_BASE}/`)
}

function withSecureCookies(res: Response): Response {
	const cookies = res.headers.getSetCookie()
	if (cookies.length === 0) return res
	const headers = new Headers(res.headers)
	headers.delete('set-cookie')
	for (const c of cookies) headers.append('set-cookie', /;\s*secure\b/i.test(c) ? c : `${c}; Secure`)
	return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
}
