import type { AuthContext } from '../auth/service'
import { TooManyRequests } from '../lib/errors'
import { type RateQuota, rateLimitHeaders, WindowLimiter } from '../lib/rate-window'

const quotaOf = new WeakMap<Request, RateQuota>()

/**
 * `--api-rate-limit` requests per minute per API key (per user for a session),
 * checked once authentication has named the caller. Over it: 429 with
 * Retry-After. Every answer to a counted request carries RateLimit-* headers.
 */
export function apiRateLimiter(limitPerMinute: number, now: () => number) {
	const limiter = new WindowLimiter(limitPerMinute, 60_000, now)
	return (request: Request, auth: AuthContext | null): void => {
		if (auth === null) return
		const q = limiter.take(auth.keyId ?? `user:${auth.userId ?? ''}:${auth.orgId}`)
		quotaOf.set(request, q)
		if (!q.allowed) {
			throw new TooManyRequests(`Rate limit exceeded: ${q.limit} requests per minute; retry in ${q.resetSeconds} s`, { ...rateLimitHeaders(q), 'retry-after': String(q.resetSeconds) })
		}
	}
}

/** Adds the RateLimit-* headers to an answer (errors included) when the request was counted. */
export function withRateLimitHeaders(request: Request, res: Response): Response {
	const q = quotaOf.get(request)
	if (!q) return res
	try {
		for (const [k, v] of Object.entries(rateLimitHeaders(q))) res.headers.set(k, v)
		return res
	} catch {
		// An immutable response (e.g. a static file): copy it with the headers added.
		const headers = new Headers(res.headers)
		for (const [k, v] of Object.entries(rateLimitHeaders(q))) headers.set(k, v)
		return new Response(res.body, { status: res.status, statusText: res.statusText, headers })
	}
}
