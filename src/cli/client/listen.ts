import { idFloorAt } from '../../lib/ids'
import type { EventData } from '../../live/model'
import { Api, ApiError } from './api'
import { ClientError } from './config'
import { forwardEvent, type ForwardResult, forwardTarget } from './forward'
import type { Output } from './output'

export interface ListenFlags {
	'forward-to'?: string | undefined
	format?: string | undefined
	'print-body'?: boolean | undefined
}

interface SourceInfo {
	id: string
	slug: string
	url?: string
}

/** The longest silence before a connection counts as dead, whatever the server's heartbeat. */
const MAX_SILENCE_MS = 30_000
const CONNECT_TIMEOUT_MS = 15_000
const SEEN_MEMORY = 10_000

async function allSources(api: Api): Promise<SourceInfo[]> {
	const out: SourceInfo[] = []
	let cursor: string | null = null
	do {
		const page: { sources: SourceInfo[]; cursor?: string | null; has_more?: boolean } = await api.request('GET', `/v1/sources?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
		out.push(...page.sources)
		cursor = page.has_more ? (page.cursor ?? null) : null
	} while (cursor)
	return out
}

function stamp(d = new Date()): string {
	const p = (n: number) => String(n).padStart(2, '0')
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/**
 * `hookstream listen`: follows /v1/ws, prints one line per event and forwards it
 * byte for byte. It never "looks connected" while deaf: silence longer than 2.5
 * heartbeats (≤ 30 s) drops the connection; every reconnect (backoff with jitter,
 * capped at 30 s) resubscribes with `since` = the last event seen, so events sent
 * meanwhile arrive late rather than never, each once.
 */
export class Listener {
	readonly #seen = new Set<string>()
	readonly #seenOrder: string[] = []
	#lastSeen: string | null = null
	/** Before any event arrived, a reconnect resumes from when the first subscription went live (server time). */
	#floor: string | null = null
	#generation = 0
	#failures = 0
	#everConnected = false
	#stopping = false
	#ws: WebSocket | null = null
	#watchdog: Timer | null = null
	/** Our half of the heartbeat: the server (and any proxy between) sees a live client too. */
	#pinger: Timer | null = null
	#queue: Promise<void> = Promise.resolve()
	#finish: (code: number) => void = () => {}
	readonly #slugs: Map<string, string>
	readonly #target: URL | null

	constructor(
		private readonly api: Api,
		private readonly channels: string[],
		sources: SourceInfo[],
		private readonly flags: ListenFlags,
		private readonly out: Output
	) {
		this.#slugs = new Map(sources.map((s) => [s.id, s.slug]))
		this.#target = flags['forward-to'] ? forwardTarget(flags['forward-to']) : null
	}

	run(): Promise<number> {
		const done = new Promise<number>((resolve) => (this.#finish = resolve))
		this.#connect()
		return done
	}

	/** Ctrl-C: stop reading, let the forward in progress finish, exit 0. */
	async stop(): Promise<void> {
		this.#stopping = true
		this.#drop()
		await Promise.race([this.#queue, Bun.sleep(5000)])
		this.#finish(0)
	}

	#connect(): void {
		const generation = ++this.#generation
		const url = `${this.api.creds.baseUrl.replace(/^http/, 'ws')}/v1/ws`
		const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.api.key}` } } as never)
		this.#ws = ws
		let welcomed = false
		this.#arm(CONNECT_TIMEOUT_MS, generation, 'no welcome from the server')
		ws.onmessage = (m) => {
			if (generation !== this.#generation) return
			const msg = JSON.parse(String(m.data)) as Record<string, unknown> & { type: string }
			if (msg.type === 'welcome') welcomed = true
			// Any frame proves the connection alive; the deadline follows the server's heartbeat.
			this.#arm(Math.min(MAX_SILENCE_MS, 2.5 * Number(this.#heartbeat(msg))), generation, 'no heartbeat')
			this.#onMessage(msg)
		}
		ws.onclose = (e) => {
			if (generation !== this.#generation) return
			if (e.code === 4401) {
				// Revoked while listening: reconnecting cannot help.
				this.#drop()
				this.out.error('the API key was revoked: run `hookstream login` with a valid key')
				return this.#finish(1)
			}
			void this.#lost(`disconnected (code ${e.code})`, welcomed)
		}
	}

	#heartbeatMs = 10_000
	#heartbeat(msg: Record<string, unknown>): number {
		if (msg.type === 'welcome' && typeof msg.heartbeat_ms === 'number') this.#heartbeatMs = msg.heartbeat_ms
		return this.#heartbeatMs
	}

	#arm(ms: number, generation: number, why: string): void {
		if (this.#watchdog) clearTimeout(this.#watchdog)
		this.#watchdog = setTimeout(() => {
			if (generation === this.#generation) void this.#lost(`connection dead (${why} for ${Math.round(ms / 1000)} s)`, true)
		}, ms)
	}

	#drop(): void {
		this.#generation++
		if (this.#watchdog) clearTimeout(this.#watchdog)
		if (this.#pinger) clearInterval(this.#pinger)
		this.#pinger = null
		try {
			this.#ws?.close()
		} catch {}
		this.#ws = null
	}

	async #lost(reason: string, welcomed: boolean): Promise<void> {
		this.#drop()
		if (this.#stopping) return
		// A refused handshake may be a revoked key: ask over HTTP, and stop instead of looping on 401.
		if (!welcomed) {
			try {
				await this.api.request('GET', '/v1/sources?limit=1')
			} catch (err) {
				if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
					this.out.error(err.message)
					return this.#finish(1)
				}
			}
		}
		const delay = Math.min(MAX_SILENCE_MS, 500 * 2 ** this.#failures) * (0.5 + Math.random() / 2)
		this.#failures++
		this.out.info(`${stamp()}  ${reason}; reconnecting in ${(delay / 1000).toFixed(1)}s…`)
		setTimeout(() => {
			if (!this.#stopping) this.#connect()
		}, delay)
	}

	#send(message: Record<string, unknown>): void {
		this.#ws?.send(JSON.stringify(message))
	}

	#onMessage(msg: Record<string, unknown> & { type: string }): void {
		switch (msg.type) {
			case 'welcome':
				this.#failures = 0
				if (this.#pinger) clearInterval(this.#pinger)
				this.#pinger = setInterval(() => this.#send({ type: 'ping' }), this.#heartbeatMs)
				for (const channel of this.channels) this.#send({ type: 'subscribe', channel, ...((this.#lastSeen ?? this.#floor) ? { since: this.#lastSeen ?? this.#floor } : {}) })
				return
			case 'subscribed':
				if (this.#floor === null && typeof msg.at === 'string') this.#floor = idFloorAt('evt', Date.parse(msg.at))
				if (!this.#everConnected) this.#ready()
				else this.out.info(`${stamp()}  Reconnected to ${String(msg.channel)}: replayed ${String(msg.replayed)} missed event(s)`)
				this.#everConnected = true
				return
			case 'gap':
				// More was missed than one replay carries: ask for the next page.
				return this.#send({ type: 'subscribe', channel: msg.channel, since: msg.resume_since })
			case 'event':
				return this.#onEvent(msg.data as EventData)
			case 'error':
				this.out.error(`server: ${String(msg.message)}`)
				return
		}
	}

	#ready(): void {
		const where = this.channels.map((c) => (c === 'events' ? 'all sources' : (this.#slugs.get(c.slice(7)) ?? c.slice(7)))).join(', ')
		const forwarding = this.#target ? `, forwarding to ${this.#target}` : ''
		this.out.info(`${stamp()}  Ready! Listening on ${where}${forwarding} (^C to quit)`)
	}

	#onEvent(ev: EventData): void {
		if (this.#seen.has(ev.id)) return
		this.#seen.add(ev.id)
		this.#seenOrder.push(ev.id)
		if (this.#seenOrder.length > SEEN_MEMORY) this.#seen.delete(this.#seenOrder.shift() as string)
		if (this.#lastSeen === null || ev.id > this.#lastSeen) this.#lastSeen = ev.id
		// One at a time, in arrival order: the local app sees events in the order they were received.
		this.#queue = this.#queue.then(() => this.#handle(ev))
	}

	async #handle(ev: EventData): Promise<void> {
		const result = this.#target ? await forwardEvent(this.#target, ev) : null
		this.#print(ev, result)
	}

	#print(ev: EventData, result: ForwardResult | null): void {
		const source = this.#slugs.get(ev.source_id) ?? ev.source_id
		if (this.flags.format === 'json') {
			const forward = result && { url: result.url, status: result.status, latency_ms: result.latencyMs, error: result.error }
			this.out.line(JSON.stringify({ event_id: ev.id, source_id: ev.source_id, source, method: ev.method, received_at: ev.received_at, size: ev.payload_size, forward, ...(this.flags['print-body'] ? { body: ev.body, body_encoding: ev.body_encoding } : {}) }))
			return
		}
		const outcome = result === null ? `${ev.payload_size} B` : result.error !== null ? `→ [ERROR] ${result.error} ${result.latencyMs}ms` : `→ [${result.status}] ${result.latencyMs}ms`
		this.out.line(`${stamp()}  ${ev.method.padEnd(6)} ${source}  ${ev.id}  ${outcome}`)
		if (this.flags['print-body']) this.out.line(ev.body_encoding === 'base64' ? `(base64) ${ev.body}` : ev.body)
	}
}

/** Resolves `listen`'s arguments (source ids or slugs) to channels, prints ingest URLs, and runs until Ctrl-C. */
export async function listen(api: Api, targets: string[], flags: ListenFlags, out: Output): Promise<number> {
	if (flags.format !== undefined && flags.format !== 'json' && flags.format !== 'pretty') throw new ClientError('--format must be pretty or json', 2)
	if (flags['forward-to']) forwardTarget(flags['forward-to'])
	const sources = await allSources(api)
	const chosen = targets.map((t) => {
		const found = sources.find((s) => s.id === t || s.slug === t || s.id === `src_${t}`)
		if (!found) throw new ClientError(`No source '${t}' in this environment (see \`hookstream sources list\`)`)
		return found
	})
	for (const s of chosen) out.info(`Ingest URL for ${s.slug}: ${s.url ?? `${api.creds.baseUrl}/v1/ingest/${s.id}`}`)
	const listener = new Listener(api, chosen.length > 0 ? chosen.map((s) => `events:${s.id}`) : ['events'], sources, flags, out)
	const stop = () => void listener.stop()
	process.once('SIGINT', stop)
	process.once('SIGTERM', stop)
	return listener.run()
}
