import type { Server, ServerWebSocket } from 'bun'
import http from 'node:http'
import type { AppContext } from '../context'
import type { Logger } from '../lib/log'
import { AppError, TooManyRequests } from '../lib/errors'
import type { App } from './app'
import { baseUrlOf } from './base-url'
import { appErrorFrame, appErrorResponse, envelope } from './errors'
import { newRequestId } from '../lib/ids'
import { tagRequest } from './request-id'
import { pathOf, requestUrl } from './url'
import { handleIngest, INGEST_PREFIX, sourceIdFromPath } from './ingest'
import { isLivePath, upgradeLive } from './live-socket'
import { isPerAddressPath, rememberPeer } from './peer'
import { withRateLimitHeaders } from './rate-limit'

interface SocketData {
	sourceId: string
	url: string
	headers: Headers
	peerIp: string | null
}

const encoder = new TextEncoder()

/**
 * Ingest requests skip the framework's router: they are the hot path. A
 * WebSocket handshake on an ingest URL of a `websocket` source is upgraded and
 * each frame goes through the same pipeline. Everything else is the Elysia app.
 */
export function createFetch(ctx: AppContext, app: App) {
	// Not async: an ingest request's answer is handleIngest's own promise, without another around it.
	return (request: Request, server: Server<SocketData>): Promise<Response | undefined> => {
		const path = pathOf(request.url)
		if (isLivePath(path)) return upgradeLive(ctx, request, server as Server<unknown>)
		if (!path.startsWith(INGEST_PREFIX)) return handleApp(app, request, server, path)
		const peerIp = server.requestIP(request)?.address ?? null
		if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') return upgradeIngest(ctx, request, server, peerIp).then((upgraded) => (upgraded === true ? undefined : upgraded))
		// Per-source rate limits: only sources that set one are in the map (src/ingest/rate-limit.ts).
		if (ctx.ops.ingestLimits.size > 0) return rateLimitedIngest(ctx, request, path, peerIp)
		return handleIngest(ctx, request, peerIp).then((res) => counted(ctx, path, res))
	}
}

async function handleApp(app: App, request: Request, server: Server<SocketData>, path: string): Promise<Response> {
	// Test sessions and device codes are rate limited per client address.
	if (isPerAddressPath(path)) rememberPeer(request, server.requestIP(request)?.address ?? null)
	const routed = routable(request)
	return withRateLimitHeaders(routed, await app.handle(routed))
}

async function rateLimitedIngest(ctx: AppContext, request: Request, path: string, peerIp: string | null): Promise<Response> {
	const sourceId = sourceIdFromPath(path)
	const limit = ctx.ops.ingestLimits.retryAfter(sourceId)
	const wait = typeof limit === 'number' ? limit : await limit // a promise only right after the source changed
	if (wait > 0) return sourceRateLimited(ctx, request, sourceId, wait)
	return counted(ctx, path, await handleIngest(ctx, request, peerIp))
}

/** Refusals are counted here; stored events are counted by the rollup. */
function counted(ctx: AppContext, path: string, res: Response): Response {
	if (res.status !== 200) ctx.ops.prometheus.ingestRefused(sourceIdFromPath(path), res.status)
	return res
}

/** 429 before the body is read: nothing is stored. */
function sourceRateLimited(ctx: AppContext, request: Request, sourceId: string | null, seconds: number): Response {
	ctx.ops.prometheus.ingestRefused(sourceId, 429)
	return appErrorResponse(new TooManyRequests(`Source rate limit exceeded; retry in ${seconds} s`, { 'retry-after': String(seconds) }), tagRequest(request).id)
}

/**
 * Elysia finds the path by searching for '/' from index 11 of the URL, which
 * assumes a host of at least 4 characters: behind `Host: api` (port 80),
 * `http://api/v1/sources` would route as `/sources`. Such a URL gets a dummy
 * user-info part (`http://route@api/…`), which moves the path without changing the
 * origin, host or path anything reads.
 */
function routable(request: Request): Request {
	const url = request.url
	const authority = url.indexOf('//') + 2
	const slash = url.indexOf('/', authority)
	if (authority < 2 || slash < 0 || slash >= 11) return request
	return new Request(`${url.slice(0, authority)}route@${url.slice(authority)}`, request)
}

async function upgradeIngest(ctx: AppContext, request: Request, server: Server<SocketData>, peerIp: string | null): Promise<Response | true> {
	let url: URL
	let sourceId: string | null
	try {
		url = requestUrl(request)
		sourceId = sourceIdFromPath(url.pathname)
		const source = await ctx.ingest.admit(sourceId ?? '')
		if (source.row.type !== 'websocket') throw new AppError(400, 'Source does not accept WebSocket connections (type is http)')
	} catch (err) {
		if (err instanceof AppError) return appErrorResponse(err, tagRequest(request).id)
		throw err
	}
	const data: SocketData = { sourceId: sourceId ?? '', url: baseUrlOf(ctx.config, url) + url.pathname + url.search, headers: request.headers, peerIp }
	return server.upgrade(request, { data }) ? true : envelope(400, 'WebSocket upgrade failed', tagRequest(request).id)
}

/**
 * Each frame is one event; the reply to each frame is the ingest answer or the
 * error envelope. Open sockets are tracked so a graceful stop can close them
 * (a server does not finish stopping while clients hold sockets open).
 */
export function ingestWebSocket(ctx: AppContext) {
	const open = new Set<ServerWebSocket<SocketData>>()
	let closing = false
	return {
		maxPayloadLength: ctx.config.maxBodyBytes,
		open(ws: ServerWebSocket<SocketData>) {
			if (closing) ws.close(1001, 'server is shutting down')
			else open.add(ws)
		},
		close(ws: ServerWebSocket<SocketData>) {
			open.delete(ws)
		},
		/** Graceful stop: no frame is accepted after this, and every client is told to go away. */
		closeAll() {
			closing = true
			for (const ws of open) ws.close(1001, 'server is shutting down')
			open.clear()
		},
		async message(ws: ServerWebSocket<SocketData>, message: string | Buffer) {
			if (closing) return
			const body = typeof message === 'string' ? encoder.encode(message) : new Uint8Array(message)
			try {
				const source = await ctx.ingest.admit(ws.data.sourceId)
				const result = await ctx.ingest.accept(source, { method: 'WEBSOCKET', url: ws.data.url, headers: ws.data.headers, peerIp: ws.data.peerIp, body })
				ws.send(JSON.stringify(result))
			} catch (err) {
				// Each frame is its own request: its reply carries its own id.
				const requestId = newRequestId()
				const { status, message, text } = appErrorFrame(err, requestId)
				if (!(err instanceof AppError)) ctx.log.error('websocket ingest failed', { request_id: requestId, error: err instanceof Error ? err.stack : String(err) })
				ws.send(text)
				// The source went away or was disabled: end the stream.
				if (status === 404 || status === 410 || (status === 403 && message === 'Source is disabled')) ws.close(1008, message)
			}
		}
	}
}

/**
 * The runtime refuses a request head over its limit (16 KiB by default) with an
 * empty 431 before any handler runs; webhook senders with many headers hit that.
 * Bun.serve has no per-server option: its limit is the process-wide one that
 * node:http's `maxHeaderSize` (and `bun --max-http-header-size`) sets, so it is
 * set here, before listening. If a runtime ignores the write, say so.
 */
export function applyHeaderLimit(bytes: number, log: Logger): void {
	const holder = http as unknown as { maxHeaderSize: number }
	try {
		holder.maxHeaderSize = bytes
	} catch {}
	if (holder.maxHeaderSize !== bytes) log.warn('the runtime kept its own request header limit', { wanted: bytes, limit: holder.maxHeaderSize })
}
