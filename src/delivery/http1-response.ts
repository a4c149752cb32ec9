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

	/** Status line and headers; returns the bytes after them (null when none follow). */
	#readHead(data: Buffer): Buffer | null {
		const head = this.#head === null ? data : Buffer.concat([this.#head, data])
		const end = headEnd(head)
		if (end < 0) {
			if (head.length > MAX_HEAD_BYTES) throw new ResponseError('the response headers are too large')
			this.#head = head
			return null
		}
		if (end > MAX_HEAD_BYTES) throw new ResponseError('the response headers are too large')
		this.#head = null
		const text = head.toString('latin1', 0, end)
		const firstEnd = lineEnd(text, 0)
		const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(text.slice(0, firstEnd))
		if (!statusLine) throw new ResponseError(`not an HTTP/1.x response: ${JSON.stringify(text.slice(0, Math.min(firstEnd, 40)))}`)
		const status = Number(statusLine[2])
		// The empty line ends the head: CRLF CRLF, or a bare LF after the last line's end.
		const bodyAt = head[end] === 13 ? end + (head[end + 2] === 13 ? 4 : 3) : end + 2
		const rest = bodyAt < head.length ? head.subarray(bodyAt) : null
		// 100 Continue and other interim answers precede the real one.
		if (status >= 100 && status < 200 && status !== 101) return rest
		this.status = status
		this.headers = parseHeaders(text, firstEnd)
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
			this.#keep(data, 0, data.length)
			return null
		}
		if (framing.kind === 'length') {
			const take = Math.min(framing.left, data.length)
			this.#keep(data, 0, take)
			framing.left -= take
			if (framing.left === 0) this.#finish(this.reusable)
			return take < data.length ? data.subarray(take) : null
		}
		return this.#readChunked(data)
	}

	#readChunked(data: Buffer): Buffer | null {
		const c = this.#chunk
		let at = 0
		while (at < data.length && !this.#done) {
			if (c.state === 'data') {
				const take = Math.min(c.left, data.length - at)
				this.#keep(data, at, at + take)
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

	/** Keeps body bytes `data[from, to)` up to the cap; past it the response ends here and the connection closes. */
	#keep(data: Buffer, from: number, to: number): void {
		const room = this.#cap - this.#kept
		if (to - from > room) {
			if (room > 0) this.#chunks.push(Buffer.copyBytesFrom(data, from, room))
			this.#kept = this.#cap
			this.truncated = true
			this.#finish(false)
			return
		}
		if (to === from) return
		// A copy: the socket may reuse the buffer it handed over.
		this.#chunks.push(Buffer.copyBytesFrom(data, from, to - from))
		this.#kept += to - from
	}

	#finish(reusable: boolean): boolean {
		this.#done = true
		this.reusable = reusable
		return true
	}
}

/**
 * Where the head ends (-1: not yet): at the first empty line, CRLF CRLF as servers send it, or bare LF
 * line ends (RFC 9112 lets a recipient accept them, and fetch did). The index is the empty line's
 * start: of its CR, or of the LF ending the last header line.
 */
function headEnd(head: Buffer): number {
	const crlf = head.indexOf(CRLF_CRLF)
	// A bare-LF empty line before it ends the head there; without CRLF CRLF, only a bare-LF one can.
	// (lastIndexOf first: a well-formed head has none, and the search stays inside the head.)
	const lf = crlf < 0 || head.lastIndexOf(LF_LF, crlf) >= 0 ? head.indexOf(LF_LF) : -1
	if (lf < 0) return crlf
	return head[lf - 1] === 13 ? lf - 1 : lf
}

/** Where the line starting at `from` ends in the head's text: at its CR LF or bare LF, or the text's end. */
function lineEnd(text: string, from: number): number {
	const lf = text.indexOf('\n', from)
	if (lf < 0) return text.length
	return lf > from && text.charCodeAt(lf - 1) === 13 ? lf - 1 : lf
}

/** The header lines of the head's text after its status line (which ends at `from`). */
function parseHeaders(text: string, from: number): Record<string, string> {
	// No prototype: a header named constructor or __proto__ is a header like any other.
	const headers: Record<string, string> = Object.create(null)
	// Names are looked up lower-cased: one pass over the head rather than one per name (latin-1
	// text keeps every character's length, so both texts share their indexes).
	const lower = text.toLowerCase()
	let last: string | null = null
	for (let at = from; at < text.length; ) {
		// Past the line end: CR LF, a bare LF, or the text's end (the last line).
		const start = text.charCodeAt(at) === 13 ? at + 2 : at + 1
		if (start > text.length) break
		const end = lineEnd(text, start)
		at = end
		const first = text.charCodeAt(start)
		// obs-fold: a continuation of the previous header's value.
		if (first === 32 || first === 9) {
			if (last === null) throw new ResponseError('a header continuation line comes first')
			headers[last] = `${headers[last]} ${text.slice(start, end).trim()}`
			continue
		}
		const colon = text.indexOf(':', start)
		if (colon <= start || colon >= end) throw new ResponseError(`bad header line ${JSON.stringify(text.slice(start, Math.min(end, start + 40)))}`)
		const name = lower.slice(start, colon)
		if (!HEADER_NAME.test(name)) throw new ResponseError(`bad header name ${JSON.stringify(name.slice(0, 40))}`)
		const value = text.slice(colon + 1, end).trim()
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
