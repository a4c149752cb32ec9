import type { Socket } from 'bun'
import { VERSION } from '../lib/version'
import { ResponseError, ResponseReader } from './http1-response'

/**
 * The HTTP/1.1 client of http destinations: keep-alive connections over Bun's sockets,
 * pooled per pinned address, port and TLS name. Bun's fetch hands every request to its own
 * HTTP thread and back; on the two cores a drain shares with its receiver that hop cost more
 * than the rest of a send (bench/drain-io.ts: 56 → 41 µs of CPU per delivery at 64 in flight,
 * 61 → 40 at 8). One request per connection at a time, no pipelining; nothing but the
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

export interface Http1Request {
	target: Http1Target
	/** Extra trusted CA certificates (PEM): tests' self-signed receivers. */
	ca?: string | undefined
	method: string
	/** Path and query, as the URL serializes them. */
	path: string
	/** The Host header: the original URL's host (with its port when not the default). */
	host: string
	/** Lower-case names. Framing headers (Content-Length, Connection…) are the client's own and are skipped. */
	headers: Record<string, string>
	body: Uint8Array
	timeoutMs: number
	/** How much of the answer's body to keep (the rest is not read). */
	bodyCap: number
	/** The same for a body with a Content-Encoding, which is kept compressed for the caller to inflate. */
	encodedCap: number
}

export interface Http1Answer {
	status: number
	headers: Record<string, string>
	/** The first `bodyCap` (or `encodedCap`) bytes of the body, as sent. */
	body: Uint8Array
	truncated: boolean
}

/** The whole request (connecting included) took longer than its timeout. */
export class Http1Timeout extends Error {
	override name = 'TimeoutError'
}

/** A connection kept idle by the pool closed before this request got an answer byte: it may be sent again on a new one. */
class StaleConnection extends Error {}

const USER_AGENT = `hookstream/${VERSION}`
// The client frames the request and owns the connection: these come from nowhere else.
const OWN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection'])
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
// Visible ASCII, space, tab and obs-text (0x80-0xff): what a header value may carry as bytes.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/**
 * Idle connections close after this long, counted in Bun's socket timer ticks of 4 s: within 4 s of going idle,
 * before the usual server keep-alive timeouts (5 s for Node, 10 s for Bun) close them under a request.
 */
const IDLE_SECONDS = 1
const MAX_IDLE_PER_PEER = 256
/**
 * A kept connection closed without an answer byte within this long of the request's last byte is taken for
 * one its server had already closed as idle (its FIN or RST arrives within about a round trip): the request is
 * sent again on a new connection. A later close may follow a request the server received and acted on: it is
 * a failed attempt, retried by the destination's policy and recorded as such.
 */
const STALE_WINDOW_MS = 500
/** Connections still connecting when their request timed out, kept per peer for the next requests (each holds a socket until the system gives up). */
const MAX_CONNECTING_PER_PEER = 64

/** The request's bytes: head (latin-1, validated) and body in one buffer, one write. */
export function requestBytes(req: Pick<Http1Request, 'method' | 'path' | 'host' | 'headers' | 'body'>): Buffer {
	let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${req.host}\r\n`
	for (const name in req.headers) {
		if (OWN_HEADERS.has(name)) continue
		const value = (req.headers[name] as string).trim()
		// As fetch refuses them: a name that is not a token, a value with CR, LF, NUL or past U+00FF.
		if (!HEADER_NAME.test(name)) throw new TypeError(`Header name '${name}' is invalid`)
		if (!HEADER_VALUE.test(value)) throw new TypeError(`Header '${name}' has invalid value`)
		head += `${name}: ${value}\r\n`
	}
	if (req.headers['user-agent'] === undefined) head += `user-agent: ${USER_AGENT}\r\n`
	if (req.headers.accept === undefined) head += 'accept: */*\r\n'
	head += `content-length: ${req.body.byteLength}\r\n\r\n`
	const bytes = Buffer.allocUnsafe(head.length + req.body.byteLength)
	bytes.write(head, 0, 'latin1')
	bytes.set(req.body, head.length)
	return bytes
}

/** One request on one connection: its bytes still to write, how its answer is read, and how it ends. */
interface Exchange {
	unsent: Uint8Array | null
	reader: ResponseReader
	/** An answer byte has arrived: the request was surely received, so it is not sent again. */
	answered: boolean
	/** When the last byte was handed to the socket (performance.now()); null while some are still unsent. */
	writtenAt: number | null
	resolve(answer: Http1Answer): void
	reject(err: Error): void
}

class Connection {
	socket: Socket<Connection> | null = null
	/** Requests answered on this connection: a reused one may have been closed by its server meanwhile. */
	served = 0
	closed = false
	#ready: PromiseWithResolvers<void> | null = Promise.withResolvers<void>()
	#exchange: Exchange | null = null

	constructor(
		readonly peer: string,
		/** `address:port`, for error messages. */
		readonly address: string,
		readonly pool: Http1Pool
	) {
		// Nobody may be waiting yet when connecting fails: the failure is read from the exchange.
		this.#ready?.promise.catch(() => {})
	}

	/** Resolves once connected (and, for TLS, once the certificate was accepted). */
	get ready(): Promise<void> {
		return this.#ready?.promise ?? Promise.resolve()
	}

	connected(socket: Socket<Connection>): void {
		this.socket = socket
		this.#ready?.resolve()
		this.#ready = null
	}

	/** Sends one request and reads its answer; the connection goes back to the pool when it can carry another. */
	exchange(bytes: Uint8Array, reader: ResponseReader): Promise<Http1Answer> {
		const socket = this.socket
		if (this.closed || !socket) return Promise.reject(new StaleConnection('the connection closed'))
		const { promise, resolve, reject } = Promise.withResolvers<Http1Answer>()
		this.#exchange = { unsent: bytes, reader, answered: false, writtenAt: null, resolve, reject }
		this.flush()
		return promise
	}

	/** Writes what the socket takes now; the rest on `drain`. */
	flush(): void {
		const ex = this.#exchange
		if (!ex?.unsent || !this.socket) return
		const wrote = this.socket.write(ex.unsent)
		ex.unsent = wrote >= ex.unsent.byteLength ? null : ex.unsent.subarray(Math.max(0, wrote))
		if (ex.unsent === null) ex.writtenAt = performance.now()
	}

	received(data: Buffer): void {
		const ex = this.#exchange
		// Bytes nobody asked for: the connection cannot be trusted with another request.
		if (!ex) return this.close()
		ex.answered = true
		let done: boolean
		try {
			done = ex.reader.feed(data)
		} catch (err) {
			return this.fail(err instanceof Error ? err : new Error(String(err)))
		}
		if (done) this.#complete(ex)
	}

	/** The server closed the connection (or it failed): the end of a body read to the close, else an error. */
	ended(cause?: Error): void {
		if (this.closed) return
		this.closed = true
		this.pool.forget(this)
		const ex = this.#exchange
		if (!ex) {
			this.#ready?.reject(cause ?? new Error('the connection closed'))
			return
		}
		if (!ex.answered && this.served > 0 && (ex.writtenAt === null || performance.now() - ex.writtenAt <= STALE_WINDOW_MS)) {
			return this.#settle(ex, new StaleConnection(cause?.message ?? 'the connection closed'))
		}
		try {
			if (ex.reader.closed()) return this.#complete(ex)
		} catch (err) {
			return this.#settle(ex, cause ?? (err as Error))
		}
	}

	/** Ends the exchange in progress with `err` and closes the connection. */
	fail(err: Error): void {
		const ex = this.#exchange
		if (ex) this.#settle(ex, err)
		this.#ready?.reject(err)
		this.close()
	}

	close(): void {
		if (!this.closed) {
			this.closed = true
			this.pool.forget(this)
		}
		this.socket?.terminate()
	}

	#complete(ex: Exchange): void {
		this.#exchange = null
		this.served++
		const { reader } = ex
		ex.resolve({ status: reader.status, headers: reader.headers, body: reader.body(), truncated: reader.truncated })
		// Answered before the whole request was written (a 413, say): the rest must not become the next request's start.
		if (reader.reusable && !this.closed && ex.unsent === null) this.pool.release(this)
		else this.close()
	}

	#settle(ex: Exchange, err: Error): void {
		this.#exchange = null
		ex.reject(err)
	}
}

const handlers = {
	open(socket: Socket<Connection>) {
		// TLS: only once the certificate has been checked (handshake below).
		if (!socket.data.pool.isTls(socket.data)) socket.data.connected(socket)
	},
	handshake(socket: Socket<Connection>, success: boolean, error: Error | null) {
		if (success) return socket.data.connected(socket)
		const code = (error as { code?: string } | null)?.code
		socket.data.fail(new Error(`TLS handshake failed: ${code ?? error?.message ?? 'certificate not accepted'}`))
	},
	data(socket: Socket<Connection>, data: Buffer) {
		socket.data.received(data)
	},
	drain(socket: Socket<Connection>) {
		socket.data.flush()
	},
	end(socket: Socket<Connection>) {
		socket.data.ended()
		socket.end()
	},
	close(socket: Socket<Connection>, error?: Error) {
		socket.data.ended(error)
	},
	error(socket: Socket<Connection>, error: Error) {
		socket.data.ended(error)
	},
	connectError(socket: Socket<Connection>, error: Error) {
		socket.data.fail(connectFailure(error, socket.data.address))
	},
	timeout(socket: Socket<Connection>) {
		// Only idle connections have a timeout (IDLE_SECONDS): requests have their own.
		socket.data.close()
	}
}

/** Why a connection could not be made, with the system's code (ECONNREFUSED…) and the address. */
function connectFailure(err: Error, address: string): Error {
	const code = (err as { code?: string }).code
	return new Error(`could not connect to ${address}${code ? ` (${code})` : ''}: ${err.message}`)
}

/** Keep-alive connections per peer (address, port, TLS name and CA); one request on each at a time. */
export class Http1Pool {
	readonly #idle = new Map<string, Connection[]>()
	/** Connections still connecting whose request timed out (#keepConnecting). */
	readonly #connecting = new Map<string, Connection[]>()
	readonly #idleSeconds: number
	readonly #tls = new WeakSet<Connection>()
	readonly #caIds = new Map<string, number>()

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
				current = idle ?? this.#connecting.get(peer)?.pop() ?? this.#open(req.target, req.ca, peer)
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
			throw err instanceof StaleConnection || err instanceof ResponseError ? new Error(err.message) : err
		} finally {
			clearTimeout(timer)
		}
	}

	/** A connection that may carry another request: kept, unreferenced, closing itself when idle too long. */
	release(conn: Connection): void {
		const list = this.#idle.get(conn.peer)
		if (list && list.length >= MAX_IDLE_PER_PEER) return conn.close()
		if (list) list.push(conn)
		else this.#idle.set(conn.peer, [conn])
		conn.socket?.timeout(this.#idleSeconds)
		conn.socket?.unref()
	}

	/** A connection closed: never handed out again. */
	forget(conn: Connection): void {
		for (const lists of [this.#idle, this.#connecting]) {
			const list = lists.get(conn.peer)
			const at = list?.indexOf(conn) ?? -1
			if (list && at >= 0) list.splice(at, 1)
		}
	}

	/** A connection whose request timed out while it was connecting: the next request to its peer takes it; once connected, it is kept idle. */
	#keepConnecting(conn: Connection): void {
		const list = this.#connecting.get(conn.peer) ?? []
		if (list.length >= MAX_CONNECTING_PER_PEER) return conn.close()
		list.push(conn)
		this.#connecting.set(conn.peer, list)
		conn.ready.then(
			() => {
				// Still unclaimed: an idle connection like any other.
				const at = list.indexOf(conn)
				if (at < 0) return
				list.splice(at, 1)
				this.release(conn)
			},
			() => this.forget(conn)
		)
	}

	isTls(conn: Connection): boolean {
		return this.#tls.has(conn)
	}

	/** Connections kept idle and connections still connecting for a later request, over all peers (diagnostics, tests). */
	held(): { idle: number; connecting: number } {
		const count = (m: Map<string, Connection[]>) => [...m.values()].reduce((n, list) => n + list.length, 0)
		return { idle: count(this.#idle), connecting: count(this.#connecting) }
	}

	/** Closes every idle connection (shutdown, tests). */
	closeIdle(): void {
		for (const list of [...this.#idle.values()]) for (const conn of [...list]) conn.close()
		this.#idle.clear()
	}

	#take(peer: string): Connection | null {
		const list = this.#idle.get(peer)
		for (let conn = list?.pop(); conn; conn = list?.pop()) {
			if (conn.closed || !conn.socket) continue
			conn.socket.timeout(0)
			conn.socket.ref()
			return conn
		}
		return null
	}

	#open(target: Http1Target, ca: string | undefined, peer: string): Connection {
		const conn = new Connection(peer, `${target.address}:${target.port}`, this)
		if (target.tls) this.#tls.add(conn)
		const tls = target.tls ? { ...(target.serverName ? { serverName: target.serverName } : {}), ...(ca ? { ca } : {}) } : undefined
		Bun.connect<Connection>({ hostname: target.address, port: target.port, data: conn, socket: handlers, ...(tls ? { tls: Object.keys(tls).length > 0 ? tls : true } : {}) })
			.then((socket) => {
				conn.socket ??= socket
				if (conn.closed) socket.terminate()
			})
			.catch((err: Error) => conn.fail(connectFailure(err, conn.address)))
		return conn
	}

	#peerOf(t: Http1Target, ca: string | undefined): string {
		let caId = 0
		if (ca !== undefined) {
			caId = this.#caIds.get(ca) ?? this.#caIds.size + 1
			this.#caIds.set(ca, caId)
		}
		return `${t.tls ? 'https' : 'http'} ${t.address} ${t.port} ${t.serverName ?? ''} ${caId}`
	}
}

/** The process's pool for http destinations. */
export const http1 = new Http1Pool()
