import type { AppContext } from '../context'
import { readRequestBody } from '../lib/body'
import { AppError, MethodNotAllowed } from '../lib/errors'
import { asId } from '../lib/ids'
import { appErrorResponse, CLIENT_CLOSED, clientClosed, clientClosedResponse, envelope } from './errors'
import { baseUrlOf } from './base-url'
import { requestUrl } from './url'
import { requestIdOf, startedAtOf, tagRequest } from './request-id'
import { sessionResponse } from './session-response'

export const INGEST_PREFIX = '/v1/ingest/'
export const INGEST_ROUTE = '/v1/ingest/:source_id'
export const INGEST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const
// HEAD is only answered by sources whose handshake is `head_probe` (Trello, Mandrill); others refuse it with 405.
const METHODS = new Set<string>([...INGEST_METHODS, 'HEAD'])

/**
 * `/v1/ingest/<source_id>` → the canonical id (a bare 32-hex id gets its prefix,
 * as for every other path id: see path-ids.ts); null when the path names no source.
 */
export function sourceIdFromPath(path: string): string | null {
	const rest = path.slice(INGEST_PREFIX.length)
	if (rest.length === 0 || rest.includes('/')) return null
	try {
		return asId('src', decodeURIComponent(rest))
	} catch {
		return null // malformed percent-encoding names no source
	}
}

/**
 * `ANY /v1/ingest/:source_id`. Served straight from the socket handler (no
 * framework routing on the hot path) and also mounted in the Elysia app so
 * `app.handle` and the OpenAPI document see the same endpoint.
 */
export async function handleIngest(ctx: AppContext, request: Request, peerIp: string | null): Promise<Response> {
	const { id: requestId } = tagRequest(request)
	let status = 200
	try {
		const url = requestUrl(request)
		const sourceId = sourceIdFromPath(url.pathname)
		if (!sourceId) throw new AppError(404, 'Source not found')
		if (!METHODS.has(request.method)) throw new MethodNotAllowed(request.method, INGEST_METHODS)
		const source = await ctx.ingest.admit(sourceId)
		const body = await readRequestBody(request, ctx.config.maxBodyBytes)
		const result = await ctx.ingest.accept(source, {
			method: request.method,
			url: baseUrlOf(ctx.config, url) + url.pathname + url.search,
			headers: request.headers,
			peerIp,
			body
		})
		if (result.reply) return new Response(result.reply.body, { status: result.reply.status, headers: { ...result.reply.headers, 'x-request-id': requestId } })
		const custom = source.row.is_ephemeral ? ctx.testSessions.responseFor(source.row.id) : undefined
		if (custom) return sessionResponse(custom, requestId)
		return new Response(JSON.stringify(result), { headers: { 'content-type': 'application/json', 'x-request-id': requestId } })
	} catch (err) {
		if (err instanceof AppError) {
			status = err.status
			return appErrorResponse(err, requestId)
		}
		if (clientClosed(request)) {
			status = CLIENT_CLOSED
			return clientClosedResponse(ctx.log, requestId)
		}
		status = 500
		ctx.log.error('ingest failed', { request_id: requestId, error: err instanceof Error ? err.stack : String(err) })
		return envelope(500, 'Internal server error', requestId)
	} finally {
		if (ctx.config.accessLog) {
			const started = startedAtOf(request)
			ctx.log.access(requestIdOf(request), request.method, INGEST_ROUTE, status, started === undefined ? null : Math.round((performance.now() - started) * 100) / 100)
		}
	}
}
