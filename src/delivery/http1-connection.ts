import type { Socket } from 'bun'
import type { ResponseReader } from './http1-response'

// One keep-alive connection of the delivery client (http1.ts): writing a request, reading its answer, closing.

export interface Http1Answer {
	status: number
	headers: Record<string, string>
	/** The first `bodyCap` (or `encodedCap`) bytes of the body, as sent. */
	body: Uint8Array
	truncated: boolean
}

/** What keeps connections between requests (Http1Pool). */
export interface ConnectionOwner {
	/** The connection may carry another request. */
	release(conn: Connection): void
	/** The connection closed: never handed out again. */
	forget(conn: Connection): void
}

/** A connection kept idle by the pool closed before this request got an answer byte: it may be sent again on a new one. */
export class StaleConnection extends Error {}

/**
 * A kept connection closed without an answer byte within this long of the request's last byte is taken for
 * one its server had already closed as idle (its FIN or RST arrives within about a round trip): the request is
 * sent again on a new connection. A later close may follow a request the server received and acted on: it is
 * a failed attempt, retried by the destination's policy and recorded as such.
 */
const STALE_WINDOW_MS = 500

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

/** One keep-alive connection: one exchange at a time; `pool` keeps it between requests. */
export class Connection {
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
		/** Connected only once the TLS handshake accepted the certificate. */
		readonly tls: boolean,
		readonly pool: ConnectionOwner
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

/** Bun.connect's socket handlers: each socket's `data` is its Connection. */
export const socketHandlers = {
	open(socket: Socket<Connection>) {
		// TLS: only once the certificate has been checked (handshake below).
		if (!socket.data.tls) socket.data.connected(socket)
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
		// Only idle connections have a timeout (the pool's idle time): requests have their own.
		socket.data.close()
	}
}

/** Why a connection could not be made, with the system's code (ECONNREFUSED…) and the address. */
export function connectFailure(err: Error, address: string): Error {
	const code = (err as { code?: string }).code
	return new Error(`could not connect to ${address}${code ? ` (${code})` : ''}: ${err.message}`)
}
