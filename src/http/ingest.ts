import type { AppContext } from '../context'
import type { InboundRequest } from '../ingest/service'
import { readRequestBody } from '../lib/body'
import { AppError, MethodNotAllowed } from '../lib/errors'
import { asId } from '../lib/ids'
import { appErrorResponse, CLIENT_CLOSED, clientClosed, clientClosedResponse, envelope } from './errors'
import { baseUrlOf } from './base-url'
import { pathOf, queryOf, requestUrl } from './url'
import { requestMetaOf } from './request-id'
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
	if (!rest.includes('%')) return asId('src', rest)
	try {
		return asId('src', decodeURIComponent(rest))
	} catch {
		return null // malformed percent-encoding names no source
	}
}

/**
 * An HTTP request as ingest reads it. The absolute URL is built on first read only (the few
 * signing schemes that sign it, such as Twilio's, and the handshakes that read their challenge
 * from the query), through a getter of the class: a getter in an object literal would be a new
 * function for every request.
 */
class HttpInbound implements InboundRequest {
	readonly method: string
	readonly query: string
	readonly headers: Headers
	readonly #config: AppContext['config']
	readonly #request: Request
	#url: string | undefined

	constructor(
		config: AppContext['config'],
		request: Request,
		readonly peerIp: string | null,
		readonly body: Uint8Array
	) {
		this.#config = config
		this.#request = request
		this.method = request.method
		this.query = queryOf(request.url)
		this.headers = request.headers
	}

	get url(): string {
		if (this.#url === undefined) {
			const parsed = requestUrl(this.#request)
			this.#url = baseUrlOf(this.#config, parsed) + parsed.pathname + parsed.search
		}
		return this.#url
	}
}

/**
 * `ANY /v1/ingest/:source_id`. Served straight from the socket handler (no
 * framework routing on the hot path) and also mounted in the Elysia app so
 * `app.handle` and the OpenAPI document see the same endpoint.
 */
export async function handleIngest(ctx: AppContext, request: Request, peerIp: string | null): Promise<Response> {
	const meta = requestMetaOf(request)
	const requestId = meta.id
	let status = 200
	try {
		// The path and query straight from the URL string; a full parse happens only for the
		// schemes that sign the URL (a malformed Host then fails the signature: 401) and the
		// handshakes that read it (400).
		const sourceId = sourceIdFromPath(pathOf(request.url))
		if (!sourceId) throw new AppError(404, 'Source not found')
		if (!METHODS.has(request.method)) throw new MethodNotAllowed(request.method, INGEST_METHODS)
		const admitted = ctx.ingest.admit(sourceId)
		// A cached source (the common case) is admitted without a promise.
		const source = admitted instanceof Promise ? await admitted : admitted
		const body = await readRequestBody(request, ctx.config.maxBodyBytes)
		const result = await ctx.ingest.accept(source, new HttpInbound(ctx.config, request, peerIp, body))
		if (result.reply) return new Response(result.reply.body, { status: result.reply.status, headers: { ...result.reply.headers, 'x-request-id': requestId } })
		const custom = source.row.is_ephemeral ? ctx.testSessions.responseFor(source.row.id) : undefined
		if (custom) return sessionResponse(custom, requestId)
		// Both ids are `<prefix>_` + 32 hex (asId above, newId for the event): nothing to escape.
		return new Response(`{"event_id":"${result.event_id}","source_id":"${result.source_id}"}`, { headers: { 'content-type': 'application/json', 'x-request-id': requestId } })
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
		if (ctx.config.accessLog) ctx.log.access(requestId, request.method, INGEST_ROUTE, status, Math.round((performance.now() - meta.startedAt) * 100) / 100)
	}
}
