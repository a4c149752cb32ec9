import { isWellFormedKey } from '../auth/service'
import { redactUrl } from '../db/pg/client'
import { type Config, ConfigError } from '../config'
import { type AppContext, createContext, type Injected } from '../context'
import { createApp } from '../http/app'
import { serverErrorHandler } from '../http/errors'
import { applyHeaderLimit, createFetch, ingestWebSocket } from '../http/server'
import { KEY_FILE } from '../lib/keyfile'
import { withLiveSockets } from '../http/live-socket'
import { createLogger } from '../lib/log'
import { ensureAdminFromEnv } from './admin-user'

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

/** `inject` replaces outbound transports in tests (the SNS certificate host); production passes nothing. */
export async function startServer(config: Readonly<Config>, adminKey?: string, env: Record<string, string | undefined> = {}, inject: Injected = {}): Promise<RunningServer> {
	const log = createLogger(config.logLevel)
	const ctx = await createContext(config, { log, ...inject })
	// A wrong key would otherwise surface later as a 500 on every read or use of a secret.
	if (!(await ctx.sources.secretsReadable()) || !(await ctx.destinations.secretsReadable())) {
		await ctx.close()
		throw new ConfigError(`the encryption key cannot open the secrets stored in ${config.databaseUrl ? redactUrl(config.databaseUrl) : config.dataDir}: start with the key they were sealed with (--encryption-key, or ${KEY_FILE} in the data dir)`)
	}
	await ensureAdminKey(ctx, adminKey)
	await ensureAdminFromEnv(ctx, env)
	const app = createApp(ctx)
	const sockets = withLiveSockets(ctx, ingestWebSocket(ctx))
	applyHeaderLimit(config.maxHeaderBytes, log)
	const server = Bun.serve({
		port: config.port,
		hostname: config.host,
		// Bun's own cap sits far above ours: the app refuses oversized bodies itself (by
		// Content-Length before reading, or mid-stream when chunked) with the contract's 413.
		maxRequestBodySize: Math.max(config.maxBodyBytes * 4, 256 * 1024 * 1024),
		fetch: createFetch(ctx, app),
		websocket: sockets,
		error: serverErrorHandler(log)
	})
	await ctx.startBackground()
	// Every instance flushes (no tick claim): the counts are this process's own, kept in memory.
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
