import { isWellFormedKey } from '../auth/service'
import type { Config } from '../config'
import { type AppContext, createContext } from '../context'
import { createApp } from '../http/app'
import { createFetch, ingestWebSocket } from '../http/server'
import { withLiveSockets } from '../http/live-socket'
import { createLogger } from '../lib/log'

const USAGE_FLUSH_MS = 5000

export interface RunningServer {
	url: string
	port: number
	ctx: AppContext
	/** Stops accepting, flushes counters, checkpoints the WAL, closes the database. */
	stop(): Promise<void>
}

/** Containers pass their admin key in the environment; make sure it exists (idempotent). */
async function ensureAdminKey(ctx: AppContext, key: string | undefined): Promise<void> {
	if (!key) return
	if (!isWellFormedKey(key)) throw new Error('HOOKSTREAM_ADMIN_KEY must be hs_live_ followed by 64 lowercase hex characters')
	const res = await ctx.keys.createKey('admin (HOOKSTREAM_ADMIN_KEY)', key)
	ctx.log.info(res.created ? 'admin key created from HOOKSTREAM_ADMIN_KEY' : 'admin key from HOOKSTREAM_ADMIN_KEY already exists', { key_id: res.id, key_prefix: res.key_prefix })
}

export async function startServer(config: Readonly<Config>, adminKey?: string): Promise<RunningServer> {
	const log = createLogger(config.logLevel)
	const ctx = createContext(config, { log })
	await ensureAdminKey(ctx, adminKey)
	const app = createApp(ctx)
	const sockets = withLiveSockets(ctx, ingestWebSocket(ctx))
	const server = Bun.serve({
		port: config.port,
		hostname: config.host,
		// Bun's own cap sits far above ours: the app refuses oversized bodies itself (by
		// Content-Length before reading, or mid-stream when chunked) with the contract's 413.
		maxRequestBodySize: Math.max(config.maxBodyBytes * 4, 256 * 1024 * 1024),
		fetch: createFetch(ctx, app),
		websocket: sockets,
		error(err) {
			log.error('unhandled server error', { error: err.stack ?? String(err) })
			return new Response(JSON.stringify({ error: 'Internal server error', status: 500, request_id: 'req_000000000000' }), { status: 500, headers: { 'content-type': 'application/json' } })
		}
	})
	await ctx.startBackground()
	const flusher = setInterval(() => void ctx.keys.flushUsage().catch((e) => log.error('usage flush failed', { error: String(e) })), USAGE_FLUSH_MS)
	const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${server.port}`
	log.info('listening', { url, data_dir: config.dataDir })
	let stopped: Promise<void> | null = null
	return {
		url,
		port: server.port ?? config.port,
		ctx,
		stop() {
			stopped ??= (async () => {
				clearInterval(flusher)
				// Stop accepting, let in-flight requests finish (bounded), then commit what they queued.
				sockets.closeAll()
				await Promise.race([server.stop(), Bun.sleep(config.shutdownGraceMs)])
				await server.stop(true)
				await ctx.close()
				log.info('stopped')
				log.flush()
			})()
			return stopped
		}
	}
}
