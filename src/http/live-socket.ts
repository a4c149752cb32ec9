import type { Server, ServerWebSocket } from 'bun'
import type { AppContext } from '../context'
import { AppError } from '../lib/errors'
import { asId } from '../lib/ids'
import { HARD_LIMIT_FACTOR, type LiveConnection, SubscribeError } from '../live/hub'
import { MAX_CONNECTIONS_PER_HOLDER, parseChannel } from '../live/model'
import { appErrorResponse } from './errors'
import { authDepsOf } from './auth'
import { authenticateLive } from './live-auth'
import { livePrincipalOf } from '../live/principal'
import { tagRequest } from './request-id'
import { requestUrl } from './url'

export const LIVE_PATH = '/v1/ws'
export const TEST_FEED_PREFIX = '/v1/ws/test/'
/** Clients only send control messages. */
const MAX_CONTROL_BYTES = 64 * 1024

export interface LiveSocketData {
	kind: 'live'
	scope: { orgId: string; envId: string; principal: string | null; holder: string | null }
	/** `/v1/ws/test/:session_id`: the one channel the socket carries; it cannot subscribe to others. */
	feed: { name: string; sourceId: string } | null
	conn: LiveConnection | null
}

export function isLivePath(path: string): boolean {
	return path === LIVE_PATH || path.startsWith(TEST_FEED_PREFIX)
}

/** Checks the credential (or the test session) before upgrading: a refusal is a plain HTTP error, 401 for a bad key. */
export async function upgradeLive(ctx: AppContext, request: Request, server: Server<unknown>): Promise<Response | undefined> {
	const requestId = tagRequest(request).id
	let data: LiveSocketData
	try {
		const url = requestUrl(request)
		if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') throw new AppError(426, 'Expected a WebSocket upgrade', undefined, { upgrade: 'websocket' })
		if (url.pathname === LIVE_PATH) {
			const auth = await authenticateLive(authDepsOf(ctx), request, url)
			const principal = livePrincipalOf(auth)
			data = { kind: 'live', scope: { orgId: auth.orgId, envId: auth.envId, principal, holder: principal }, feed: null, conn: null }
		} else {
			const feed = await ctx.testSessions.feed(url.pathname.slice(TEST_FEED_PREFIX.length))
			// The feed is public: its quota is the session's, so nobody can hold unbounded sockets open on one.
			data = { kind: 'live', scope: { orgId: feed.orgId, envId: feed.envId, principal: null, holder: `feed:${feed.sourceId}` }, feed: { name: feed.sessionId, sourceId: feed.sourceId }, conn: null }
		}
		if (ctx.live.full(data.scope.holder)) throw tooManyStreams()
	} catch (err) {
		if (err instanceof AppError) return appErrorResponse(err, requestId)
		throw err
	}
	if ((server as Server<LiveSocketData>).upgrade(request, { data })) return undefined
	return appErrorResponse(new AppError(400, 'WebSocket upgrade failed'), requestId)
}

type LiveSocket = ServerWebSocket<LiveSocketData>

/** 429 for one stream too many of a key, session or test session (WebSocket and SSE alike). */
export function tooManyStreams(): AppError {
	return new AppError(429, `Too many live streams open for this credential or test session: at most ${MAX_CONNECTIONS_PER_HOLDER} at once`)
}

function sinkOf(ws: LiveSocket, maxBuffered: number) {
	return {
		send(frame: { text: string }): boolean {
			// 0: dropped by Bun; a buffer over the hard cap: the client stopped reading. Either way it must go.
			return ws.send(frame.text) !== 0 && ws.getBufferedAmount() <= maxBuffered * HARD_LIMIT_FACTOR
		},
		behind: () => ws.getBufferedAmount() > maxBuffered,
		close(code: number, reason: string) {
			// A slow client's buffer would hold a polite close frame back: cut it off and free the memory.
			if (code === 1013) ws.terminate()
			else ws.close(code, reason)
		}
	}
}

const errorFrame = (code: string, message: string) => ({ type: 'error', code, message })

/** The `/v1/ws` protocol: welcome, subscribe (optionally with `since`), unsubscribe, ping. */
export function liveWebSocket(ctx: AppContext) {
	const hub = ctx.live
	return {
		open(ws: LiveSocket) {
			// Checked at the upgrade too; two upgrades racing past that check are settled here.
			if (hub.full(ws.data.scope.holder)) return ws.close(1008, tooManyStreams().message)
			const conn = hub.connect(ws.data.scope, sinkOf(ws, ctx.config.liveMaxBufferedBytes))
			ws.data.conn = conn
			const { feed, scope } = ws.data
			hub.send(conn, { type: 'welcome', org_id: scope.orgId, env_id: scope.envId, heartbeat_ms: hub.heartbeatMs, ...(feed ? { session_id: feed.name } : {}) })
			if (feed) void hub.subscribe(conn, { name: feed.name, kind: 'events', scope: feed.sourceId })
		},
		close(ws: LiveSocket) {
			if (ws.data.conn) hub.disconnect(ws.data.conn)
		},
		async message(ws: LiveSocket, raw: string | Buffer) {
			const conn = ws.data.conn
			if (!conn) return
			const reply = (m: Record<string, unknown>) => hub.send(conn, m)
			if (typeof raw !== 'string' || raw.length > MAX_CONTROL_BYTES) return reply(errorFrame('bad_message', 'Send JSON text messages'))
			let msg: Record<string, unknown>
			try {
				msg = JSON.parse(raw) as Record<string, unknown>
				if (msg === null || typeof msg !== 'object') throw new Error()
			} catch {
				return reply(errorFrame('bad_message', 'Messages are JSON objects with a "type"'))
			}
			switch (msg.type) {
				case 'subscribe':
					return subscribe(conn, ws.data, msg, reply)
				case 'unsubscribe': {
					// A destination channel is subscribed under its lower-case name.
					const name = parseChannel(msg.channel)?.name ?? String(msg.channel)
					if (ws.data.feed || !hub.unsubscribe(conn, name)) return reply(errorFrame('not_subscribed', `Not subscribed to ${name}`))
					return reply({ type: 'unsubscribed', channel: name })
				}
				case 'ping':
					return reply({ type: 'pong', ts: new Date().toISOString() })
				case 'heartbeat':
				case 'pong':
					return
				default:
					return reply(errorFrame('bad_message', 'type must be subscribe, unsubscribe or ping'))
			}
		}
	}

	async function subscribe(conn: LiveConnection, data: LiveSocketData, msg: Record<string, unknown>, reply: (m: Record<string, unknown>) => void) {
		if (data.feed) return reply(errorFrame('forbidden', 'A test session feed carries its own session only'))
		const channel = parseChannel(msg.channel)
		if (!channel) return reply(errorFrame('bad_channel', 'channel must be events, events:<source_id>, deliveries, deliveries:<destination_id>, issues or a websocket destination\'s channel_name'))
		let since: string | undefined
		if (msg.since !== undefined && msg.since !== null) {
			since = (typeof msg.since === 'string' && asId('evt', msg.since)) || undefined
			if (!since) return reply(errorFrame('bad_since', 'since must be an event id (evt_…)'))
		}
		try {
			await hub.subscribe(conn, channel, { since })
		} catch (err) {
			if (err instanceof SubscribeError) return reply(errorFrame(err.code, err.message))
			ctx.log.error('live subscribe failed', { error: err instanceof Error ? err.stack : String(err) })
			reply(errorFrame('internal', 'Subscribe failed; try again'))
		}
	}
}

type Handler<D> = {
	open(ws: ServerWebSocket<D>): void
	close(ws: ServerWebSocket<D>): void
	message(ws: ServerWebSocket<D>, m: string | Buffer): void | Promise<void>
}

/**
 * One Bun websocket handler for both kinds of socket on the server: ingest
 * sockets (a source fed by frames) and live streams, told apart by their data.
 */
export function withLiveSockets<D extends object, T extends Handler<D> & { closeAll(): void; maxPayloadLength: number }>(ctx: AppContext, ingest: T) {
	const live = liveWebSocket(ctx)
	type Any = ServerWebSocket<D | LiveSocketData>
	const isLive = (ws: Any): ws is LiveSocket => (ws.data as { kind?: string }).kind === 'live'
	return {
		maxPayloadLength: ingest.maxPayloadLength,
		// Bun's own per-socket cap (16 MiB by default) must sit above the hub's hard cap, or it drops frames first.
		backpressureLimit: ctx.config.liveMaxBufferedBytes * HARD_LIMIT_FACTOR * 2,
		open: (ws: Any) => (isLive(ws) ? live.open(ws) : ingest.open(ws as ServerWebSocket<D>)),
		close: (ws: Any) => (isLive(ws) ? live.close(ws) : ingest.close(ws as ServerWebSocket<D>)),
		message: async (ws: Any, m: string | Buffer): Promise<void> => {
			if (isLive(ws)) await live.message(ws, m)
			else await ingest.message(ws as ServerWebSocket<D>, m)
		},
		closeAll() {
			ingest.closeAll()
			ctx.live.stop()
		}
	}
}
