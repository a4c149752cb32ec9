import { HEADER_NAME } from './http1-request'

/**
 * An HTTP/1.1 response read from a socket as it arrives (RFC 9112): the status line and
 * headers, then a body framed by Content-Length, chunked transfer coding or the end of the
 * connection. Only the first `cap` bytes of the body are kept (an attempt records 10 KB);
 * past that the response ends there and the connection is not reused. 1xx interim
 * responses are skipped. Anything malformed throws a ResponseError: the attempt fails as a
 * network error and the connection is closed.
 */

/** The most a status line and headers may take. */
export const MAX_HEAD_BYTES = 64 * 1024
const MAX_CHUNK_LINE = 4096
const CRLF_CRLF = Buffer.from('\r\n\r\n')
const LF_LF = Buffer.from('\n\n')

export class ResponseError extends Error {}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' }

/** Where the chunked decoder is: a size line, chunk data, the CRLF after it, or the trailer section. */
type ChunkState = 'size' | 'data' | 'data-end' | 'trailers'

export class ResponseReader {
	status = 0
	/** Names lower-cased; repeated headers joined by ", " (Set-Cookie: the last), as fetch's Headers give them. */
	headers: Record<string, string> = {}
	/** Whether the connection may carry another request once this response is complete. */
	reusable = false
	/** The body was longer than `cap`: `body()` is its beginning. */
	truncated = false
	#done = false
	#head: Buffer | null = null
	#framing: Framing = { kind: 'none' }
	#chunks: Uint8Array[] = []
	#kept = 0
	#chunk: { state: ChunkState; left: number; line: Buffer | null } = { state: 'size', left: 0, line: null }

	#cap: number

	/** Keeps `cap` bytes of a body, `encodedCap` of one with a Content-Encoding (inflated by the caller, to `cap`). */
	constructor(
		cap: number,
		private readonly encodedCap = cap
	) {
		this.#cap = cap
	}

	/** The body bytes kept (at most `cap`). */
	body(): Uint8Array {
		if (this.#chunks.length === 1) return this.#chunks[0] as Uint8Array
		return Buffer.concat(this.#chunks)
	}

	/**
	 * Reads what arrived; true once the response is complete. Bytes past the end of the
	 * response (a server answering what was not asked) make the connection unusable.
	 */
	feed(data: Buffer): boolean {
		let rest: Buffer | null = data
		while (rest !== null && rest.length > 0 && !this.#done) rest = this.#framed() ? this.#readBody(rest) : this.#readHead(rest)
		if (this.#done && rest !== null && rest.length > 0) this.reusable = false
		return this.#done
	}

	/** The server closed the connection: the end of a body read to the close, an error otherwise. */
	closed(): boolean {
		if (this.#done) return true
		if (this.#framed() && this.#framing.kind === 'close') return this.#finish(false)
		throw new ResponseError(this.status === 0 ? 'the connection closed before a response' : 'the connection closed in the middle of the response')
	}

	#framed(): boolean {
		return this.status !== 0
	}

	/** Status line and headers; returns the bytes after them. */
	#readHead(data: Buffer): Buffer | null {
		const head = this.#head === null ? data : Buffer.concat([this.#head, data])
		const { end, after } = headEnd(head)
		if (end < 0) {
			if (head.length > MAX_HEAD_BYTES) throw new ResponseError('the response headers are too large')
			this.#head = head
			return null
		}
		if (end > MAX_HEAD_BYTES) throw new ResponseError('the response headers are too large')
		this.#head = null
		const text = head.toString('latin1', 0, end)
		const lines = after === 4 ? text.split('\r\n') : text.split(/\r?\n/)
		const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '')
		if (!statusLine) throw new ResponseError(`not an HTTP/1.x response: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`)
		const status = Number(statusLine[2])
		const rest = head.subarray(end + after)
		// 100 Continue and other interim answers precede the real one.
		if (status >= 100 && status < 200 && status !== 101) return rest
		this.status = status
		this.headers = parseHeaders(lines)
		const encoding = this.headers['content-encoding']
		if (encoding !== undefined && encoding.toLowerCase() !== 'identity') this.#cap = this.encodedCap
		this.#framing = framingOf(status, this.headers)
		const connection = this.headers.connection
		this.reusable =
			statusLine[1] === '1' && (connection === undefined || !/(^|,)\s*close\s*(,|$)/i.test(connection)) && this.#framing.kind !== 'close' && status !== 101 && !this.headers['transfer-encoding']?.includes(',')
		if (this.#framing.kind === 'none' || (this.#framing.kind === 'length' && this.#framing.left === 0)) this.#finish(this.reusable)
		return rest
	}

	/** Body bytes by the framing; returns what follows the response (nothing, normally). */
	#readBody(data: Buffer): Buffer | null {
		const framing = this.#framing
		if (framing.kind === 'close') {
			this.#keep(data)
			return null
		}
		if (framing.kind === 'length') {
			const take = Math.min(framing.left, data.length)
			this.#keep(data.subarray(0, take))
			framing.left -= take
			if (framing.left === 0) this.#finish(this.reusable)
			return data.subarray(take)
		}
		return this.#readChunked(data)
	}

	#readChunked(data: Buffer): Buffer | null {
		const c = this.#chunk
		let at = 0
		while (at < data.length && !this.#done) {
			if (c.state === 'data') {
				const take = Math.min(c.left, data.length - at)
				this.#keep(data.subarray(at, at + take))
				at += take
				c.left -= take
				if (c.left === 0) c.state = 'data-end'
				continue
			}
			// A line: the chunk size (with extensions), the CRLF after data, or a trailer.
			const nl = data.indexOf(10, at)
			const piece = data.subarray(at, nl < 0 ? data.length : nl + 1)
			at += piece.length
			const line = c.line === null ? piece : Buffer.concat([c.line, piece])
			if (line.length > MAX_CHUNK_LINE) throw new ResponseError('a chunk header line is too long')
			if (nl < 0) {
				c.line = line
				continue
			}
			c.line = null
			const text = line.toString('latin1').replace(/\r?\n$/, '')
			if (c.state === 'data-end') {
				if (text !== '') throw new ResponseError('chunk data is longer than its size')
				c.state = 'size'
			} else if (c.state === 'size') {
				const size = /^([0-9a-fA-F]{1,15})[ \t]*(;.*)?$/.exec(text)
				if (!size) throw new ResponseError(`bad chunk size ${JSON.stringify(text.slice(0, 20))}`)
				c.left = Number.parseInt(size[1] as string, 16)
				c.state = c.left === 0 ? 'trailers' : 'data'
			} else if (text === '') {
				this.#finish(this.reusable)
			}
		}
		return data.subarray(at)
	}

	/** Keeps body bytes up to the cap; past it the response ends here and the connection closes. */
	#keep(bytes: Uint8Array): void {
		const room = this.#cap - this.#kept
		if (bytes.length > room) {
			if (room > 0) this.#chunks.push(Uint8Array.prototype.slice.call(bytes, 0, room))
			this.#kept = this.#cap
			this.truncated = true
			this.#finish(false)
			return
		}
		if (bytes.length === 0) return
		// A copy: the socket may reuse the buffer it handed over.
		this.#chunks.push(Uint8Array.prototype.slice.call(bytes))
		this.#kept += bytes.length
	}

	#finish(reusable: boolean): boolean {
		this.#done = true
		this.reusable = reusable
		return true
	}
}

/**
 * Where the head ends: at the first empty line, CRLF CRLF as servers send it, or bare LF line ends
 * (RFC 9112 lets a recipient accept them, and fetch did). `after`: the terminator's length.
 */
function headEnd(head: Buffer): { end: number; after: number } {
	const crlf = head.indexOf(CRLF_CRLF)
	// A bare-LF empty line before it ends the head there; without CRLF CRLF, only a bare-LF one can.
	const lf = (crlf < 0 ? head : head.subarray(0, crlf + 2)).indexOf(LF_LF)
	if (lf < 0) return { end: crlf, after: crlf < 0 ? 0 : 4 }
	return head[lf - 1] === 13 ? { end: lf - 1, after: 3 } : { end: lf, after: 2 }
}

function parseHeaders(lines: string[]): Record<string, string> {
	// No prototype: a header named constructor or __proto__ is a header like any other.
	const headers: Record<string, string> = Object.create(null)
	let last: string | null = null
	for (let i = 1; i < lines.length; i++) {
		const line = lines[i] as string
		// obs-fold: a continuation of the previous header's value.
		if (line.startsWith(' ') || line.startsWith('\t')) {
			if (last === null) throw new ResponseError('a header continuation line comes first')
			headers[last] = `${headers[last]} ${line.trim()}`
			continue
		}
		const colon = line.indexOf(':')
		if (colon <= 0) throw new ResponseError(`bad header line ${JSON.stringify(line.slice(0, 40))}`)
		const name = line.slice(0, colon).toLowerCase()
		if (!HEADER_NAME.test(name)) throw new ResponseError(`bad header name ${JSON.stringify(name.slice(0, 40))}`)
		const value = line.slice(colon + 1).trim()
		const before = headers[name]
		headers[name] = before === undefined || name === 'set-cookie' ? value : `${before}, ${value}`
		last = name
	}
	return headers
}

/** How the body is delimited (RFC 9112 section 6.3). */
function framingOf(status: number, headers: Record<string, string>): Framing {
	if (status === 204 || status === 304 || status === 101) return { kind: 'none' }
	const te = headers['transfer-encoding']
	if (te !== undefined) return /(^|,)\s*chunked\s*$/i.test(te) ? { kind: 'chunked' } : { kind: 'close' }
	const cl = headers['content-length']
	if (cl === undefined) return { kind: 'close' }
	if (/^\d{1,15}$/.test(cl)) return { kind: 'length', left: Number(cl) }
	// Repeated as a list ("5, 5"): every value must agree.
	const values = new Set(cl.split(',').map((v) => v.trim()))
	const [only] = values
	if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) throw new ResponseError(`bad Content-Length ${JSON.stringify(cl.slice(0, 40))}`)
	return { kind: 'length', left: Number(only) }
}
