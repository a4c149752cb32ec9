import { Connection, type ConnectionOwner, connectFailure, type Http1Answer, socketHandlers, StaleConnection } from './http1-connection'
import { type RequestHead, requestBytes } from './http1-request'
import { ResponseReader } from './http1-response'
import { pinnedTls } from './ssrf'

export { requestBytes } from './http1-request'

/**
 * The HTTP/1.1 client of http destinations: keep-alive connections over Bun's sockets,
 * pooled per pinned address, port and TLS name. Bun's fetch hands every request to its own
 * HTTP thread and back; on the two cores a drain shares with its receiver that hop cost more
 * than the rest of a send (bench/drain-io.ts, BENCHMARKS.md: 53 → 41 µs of CPU per delivery and
 * 19,479 → 25,494 deliveries/s at 8 in flight; 47 → 42 µs at the same rate at 64). One request per connection at a time, no pipelining; nothing but the
 * request asked for is sent (no Accept-Encoding: answers come uncompressed unless a server
 * insists). fetch stays the client behind a proxy (outbound.ts).
 */

/** Where a request connects: the checked address (ssrf.ts's PinnedTarget), and for https the name the certificate must carry. */
export interface Http1Target {
	tls: boolean
	address: string
	port: number
	/** TLS server name (SNI and certificate check); null checks the certificate against the address. */
	serverName: string | null
}

export interface Http1Request extends RequestHead {
	target: Http1Target
	/** Extra trusted CA certificates (PEM): tests' self-signed receivers. */
	ca?: string | undefined
	timeoutMs: number
	/** How much of the answer's body to keep (the rest is not read). */
	bodyCap: number
	/** The same for a body with a Content-Encoding, which is kept compressed for the caller to inflate. */
	encodedCap: number
}

/** The whole request (connecting included) took longer than its timeout. */
export class Http1Timeout extends Error {
	override name = 'TimeoutError'
}

/**
 * Idle connections close after this long, counted in Bun's socket timer ticks of 4 s: within 4 s of going idle,
 * before the usual server keep-alive timeouts (5 s for Node, 10 s for Bun) close them under a request.
 */
const IDLE_SECONDS = 1
const MAX_IDLE_PER_PEER = 256
/** Connections still connecting when their request timed out, kept per peer for the next requests (each holds a socket until the system gives up). */
const MAX_CONNECTING_PER_PEER = 64

/** Keep-alive connections per peer (address, port, TLS name and CA); one request on each at a time. */
export class Http1Pool implements ConnectionOwner {
	readonly #idle = new Map<string, Connection[]>()
	/** Connections still connecting whose request timed out (#keepConnecting). */
	readonly #connecting = new Map<string, Connection[]>()
	readonly #idleSeconds: number
	readonly #caIds = new Map<string, number>()
	/** Each target's peer key without extra CAs (#peerOf). A target's fields never change. */
	readonly #peerKeys = new WeakMap<Http1Target, string>()

	constructor(opts: { /** How long a kept connection may stay idle (IDLE_SECONDS). */ idleSeconds?: number } = {}) {
		this.#idleSeconds = opts.idleSeconds ?? IDLE_SECONDS
	}

	/** Sends `req` and reads its answer; rejects with Http1Timeout past `timeoutMs`, with a network error otherwise. */
	async request(req: Http1Request): Promise<Http1Answer> {
		const bytes = requestBytes(req)
		const peer = this.#peerOf(req.target, req.ca)
		let current: Connection | null = null
		let stopWaiting: ((err: Error) => void) | null = null
		// Connecting included. A connection still connecting cannot be cancelled (Bun.connect gives no handle
		// before it connects): it is kept for the peer's next request instead of being opened again.
		const timer = setTimeout(() => {
			const err = new Http1Timeout(`timed out after ${req.timeoutMs} ms`)
			if (stopWaiting && current) (stopWaiting(err), this.#keepConnecting(current))
			else current?.fail(err)
		}, req.timeoutMs)
		try {
			// A kept connection its server closed meanwhile is found out on use: then once more on a new one.
			for (let attempt = 0; ; attempt++) {
				const idle = attempt === 0 ? this.#take(peer) : null
				current = idle ?? this.#pop(this.#connecting, peer) ?? this.#open(req.target, req.ca, peer)
				if (!current.socket) {
					const connecting = current
					await new Promise<void>((resolve, reject) => {
						stopWaiting = reject
						connecting.ready.then(resolve, reject)
					})
					stopWaiting = null
				}
				try {
					return await current.exchange(bytes, new ResponseReader(req.bodyCap, req.encodedCap))
				} catch (err) {
					if (!(err instanceof StaleConnection) || attempt > 0) throw err
				}
			}
		} catch (err) {
			// Unless it is still connecting, kept for the next request (the timer above).
			if (current?.socket || current?.closed) current.close()
			throw err
		} finally {
			clearTimeout(timer)
		}
	}

	/** A connection that may carry another request: kept, unreferenced, closing itself when idle too long. */
	release(conn: Connection): void {
		if ((this.#idle.get(conn.peer)?.length ?? 0) >= MAX_IDLE_PER_PEER) return conn.close()
		this.#push(this.#idle, conn)
		conn.socket?.timeout(this.#idleSeconds)
		conn.socket?.unref()
	}

	/** A connection closed: never handed out again. */
	forget(conn: Connection): void {
		this.#unlist(this.#idle, conn)
		this.#unlist(this.#connecting, conn)
	}

	/** A connection whose request timed out while it was connecting: the next request to its peer takes it; once connected, it is kept idle. */
	#keepConnecting(conn: Connection): void {
		if ((this.#connecting.get(conn.peer)?.length ?? 0) >= MAX_CONNECTING_PER_PEER) return conn.close()
		this.#push(this.#connecting, conn)
		conn.ready.then(
			() => {
				// Still unclaimed: an idle connection like any other.
				if (this.#unlist(this.#connecting, conn)) this.release(conn)
			},
			() => this.forget(conn)
		)
	}

	#push(lists: Map<string, Connection[]>, conn: Connection): void {
		const list = lists.get(conn.peer)
		if (list) list.push(conn)
		else lists.set(conn.peer, [conn])
	}

	/** The last connection listed for `peer`, taken off the list; a peer's list goes once empty (addresses change over time). */
	#pop(lists: Map<string, Connection[]>, peer: string): Connection | undefined {
		const list = lists.get(peer)
		const conn = list?.pop()
		if (list?.length === 0) lists.delete(peer)
		return conn
	}

	/** Takes `conn` off its peer's list; true when it was there. */
	#unlist(lists: Map<string, Connection[]>, conn: Connection): boolean {
		const list = lists.get(conn.peer)
		const at = list?.indexOf(conn) ?? -1
		if (!list || at < 0) return false
		list.splice(at, 1)
		if (list.length === 0) lists.delete(conn.peer)
		return true
	}

	/** Connections kept idle and connections still connecting for a later request, over all peers (diagnostics, tests). */
	held(): { idle: number; connecting: number; peers: number } {
		const count = (m: Map<string, Connection[]>) => [...m.values()].reduce((n, list) => n + list.length, 0)
		return { idle: count(this.#idle), connecting: count(this.#connecting), peers: new Set([...this.#idle.keys(), ...this.#connecting.keys()]).size }
	}

	/** Closes every idle connection (shutdown, tests). */
	closeIdle(): void {
		for (const list of [...this.#idle.values()]) for (const conn of [...list]) conn.close()
		this.#idle.clear()
	}

	#take(peer: string): Connection | null {
		for (let conn = this.#pop(this.#idle, peer); conn; conn = this.#pop(this.#idle, peer)) {
			if (conn.closed || !conn.socket) continue
			conn.socket.timeout(0)
			conn.socket.ref()
			return conn
		}
		return null
	}

	#open(target: Http1Target, ca: string | undefined, peer: string): Connection {
		const conn = new Connection(peer, `${target.address}:${target.port}`, target.tls, this)
		// https with neither a name nor a CA still speaks TLS, checked against the address.
		const tls = target.tls ? (pinnedTls(target, ca).tls ?? true) : undefined
		Bun.connect<Connection>({ hostname: target.address, port: target.port, data: conn, socket: socketHandlers, ...(tls ? { tls } : {}) })
			.then((socket) => {
				conn.socket ??= socket
				if (conn.closed) socket.terminate()
			})
			.catch((err: Error) => conn.fail(connectFailure(err, conn.address)))
		return conn
	}

	#peerOf(t: Http1Target, ca: string | undefined): string {
		// A pinned target is remembered and handed out again for its URL (ssrf.ts pinHref): its key is
		// built once, and the same string then finds the peer's lists with its hash already computed.
		if (ca === undefined) {
			let key = this.#peerKeys.get(t)
			if (key === undefined) this.#peerKeys.set(t, (key = peerKey(t, 0)))
			return key
		}
		const known = this.#caIds.get(ca)
		const caId = known ?? this.#caIds.size + 1
		if (known === undefined) this.#caIds.set(ca, caId)
		return peerKey(t, caId)
	}
}

/** Connections are shared by requests to one address, port and TLS name, trusting one set of CAs (0: the system's). */
const peerKey = (t: Http1Target, caId: number): string => `${t.tls ? 'https' : 'http'} ${t.address} ${t.port} ${t.serverName ?? ''} ${caId}`

/** The process's pool for http destinations. */
export const http1 = new Http1Pool()
