import { describe, expect, it } from 'bun:test'
import { MAX_HEAD_BYTES, ResponseError, ResponseReader } from '../../src/delivery/http1-response'

const text = (r: ResponseReader) => new TextDecoder().decode(r.body())

/** Feeds `raw` whole, then split at every byte, and expects the same reading each time. */
function readEverySplit(raw: string, cap = 1024, check: (r: ResponseReader) => void): void {
	const bytes = Buffer.from(raw, 'latin1')
	const whole = new ResponseReader(cap)
	expect(whole.feed(bytes)).toBe(true)
	check(whole)
	const byByte = new ResponseReader(cap)
	for (let i = 0; i < bytes.length; i++) expect({ i, done: byByte.feed(bytes.subarray(i, i + 1)) }).toEqual({ i, done: i === bytes.length - 1 })
	check(byByte)
}

describe('ResponseReader: framing', () => {
	it('reads a Content-Length body, whole or a byte at a time, and may reuse the connection', () => {
		readEverySplit('HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello', 1024, (r) => {
			expect({ status: r.status, headers: r.headers, body: text(r), reusable: r.reusable, truncated: r.truncated }).toEqual({
				status: 201, headers: { 'content-type': 'text/plain', 'content-length': '5' }, body: 'hello', reusable: true, truncated: false
			})
		})
	})

	it('decodes chunked bodies with extensions and trailers', () => {
		readEverySplit('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n', 1024, (r) => {
			expect({ body: text(r), reusable: r.reusable }).toEqual({ body: 'hello world', reusable: true })
		})
	})

	it('skips 100 Continue and other interim answers', () => {
		readEverySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 1024, (r) => {
			expect({ status: r.status, body: text(r) }).toEqual({ status: 200, body: 'ok' })
		})
	})

	it('has no body for 204 and 304 even when framing headers are sent', () => {
		for (const status of [204, 304]) {
			const r = new ResponseReader(1024)
			expect(r.feed(Buffer.from(`HTTP/1.1 ${status} X\r\nContent-Length: 10\r\n\r\n`))).toBe(true)
			expect({ status: r.status, body: text(r), reusable: r.reusable }).toEqual({ status, body: '', reusable: true })
		}
	})

	it('reads a body without length to the close, and never reuses that connection', () => {
		const r = new ResponseReader(1024)
		expect(r.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, '))).toBe(false)
		expect(r.feed(Buffer.from('part two'))).toBe(false)
		expect(r.closed()).toBe(true)
		expect({ body: text(r), reusable: r.reusable }).toEqual({ body: 'part one, part two', reusable: false })
	})

	it('does not reuse a connection after HTTP/1.0, Connection: close, or bytes past the response', () => {
		for (const raw of ['HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n']) {
			const r = new ResponseReader(1024)
			expect(r.feed(Buffer.from(raw))).toBe(true)
			expect({ raw, body: text(r), reusable: r.reusable }).toEqual({ raw, body: 'ok', reusable: false })
		}
	})

	it('keeps the first `cap` bytes of a long body and stops there, without reuse', () => {
		const r = new ResponseReader(4)
		expect(r.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123'))).toBe(false)
		expect(r.feed(Buffer.from('45'))).toBe(true)
		expect({ body: text(r), truncated: r.truncated, reusable: r.reusable }).toEqual({ body: '0123', truncated: true, reusable: false })
		const chunked = new ResponseReader(4)
		expect(chunked.feed(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n'))).toBe(true)
		expect({ body: text(chunked), truncated: chunked.truncated }).toEqual({ body: 'abcd', truncated: true })
	})

	it('keeps `encodedCap` bytes of a compressed body, for the caller to inflate', () => {
		const r = new ResponseReader(2, 8)
		expect(r.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 6\r\n\r\nabcdef'))).toBe(true)
		expect({ body: text(r), truncated: r.truncated }).toEqual({ body: 'abcdef', truncated: false })
	})
})

describe('ResponseReader: headers', () => {
	it('lower-cases names, joins repeats as fetch does (Set-Cookie keeps the last) and unfolds continuation lines', () => {
		const r = new ResponseReader(1024)
		r.feed(Buffer.from('HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Long: one\r\n two\r\nContent-Length: 0\r\n\r\n'))
		expect(r.headers).toEqual({ 'x-a': '1, 2', 'set-cookie': 'b=2', 'x-long': 'one two', 'content-length': '0' })
	})

	it('accepts bare LF line ends, as fetch did', () => {
		readEverySplit('HTTP/1.1 200 OK\nX-A: 1\nContent-Length: 2\n\nok', 1024, (r) => {
			expect({ status: r.status, headers: { ...r.headers }, body: text(r) }).toEqual({ status: 200, headers: { 'x-a': '1', 'content-length': '2' }, body: 'ok' })
		})
		readEverySplit('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nok', 1024, (r) => expect(text(r)).toBe('ok'))
	})

	it('keeps values as sent, latin-1 and case included, while names are lower-cased', () => {
		const r = new ResponseReader(1024)
		r.feed(Buffer.from('HTTP/1.1 200 OK\r\nX-Street: ÄÖÜ Straße\r\nX-Case: MiXeD\r\nContent-Length: 0\r\n\r\n', 'latin1'))
		expect({ ...r.headers }).toEqual({ 'x-street': 'ÄÖÜ Straße', 'x-case': 'MiXeD', 'content-length': '0' })
	})

	it('takes a bare LF inside a CRLF head for a line end (RFC 9112 section 2.2)', () => {
		readEverySplit('HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 2\r\n\r\nok', 1024, (r) => {
			expect({ headers: { ...r.headers }, body: text(r) }).toEqual({ headers: { 'x-a': '1', 'x-b': '2', 'content-length': '2' }, body: 'ok' })
		})
	})

	it('keeps headers named like Object members as headers', () => {
		const r = new ResponseReader(1024)
		r.feed(Buffer.from('HTTP/1.1 200 OK\r\nConstructor: x\r\n__proto__: y\r\ntoString: z\r\nContent-Length: 0\r\n\r\n'))
		expect(Object.entries(r.headers).sort()).toEqual([['__proto__', 'y'], ['constructor', 'x'], ['content-length', '0'], ['tostring', 'z']])
	})

	it('accepts a status line without a reason phrase', () => {
		const r = new ResponseReader(1024)
		expect(r.feed(Buffer.from('HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n'))).toBe(true)
		expect(r.status).toBe(404)
	})
})

describe('ResponseReader: what is refused', () => {
	const refuses = (raw: string | Buffer, message: RegExp) => {
		const r = new ResponseReader(1024)
		expect(() => r.feed(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw)).toThrow(message)
	}

	it('a status line that is not HTTP/1.x', () => {
		refuses('SSH-2.0-OpenSSH\r\n\r\n', /not an HTTP\/1.x response/)
		refuses('HTTP/2 200\r\n\r\n', /not an HTTP\/1.x response/)
		refuses('HTTP/1.1 20 OK\r\n\r\n', /not an HTTP\/1.x response/)
	})

	it('headers past MAX_HEAD_BYTES, with or without their end', () => {
		refuses(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}`, /too large/)
		refuses(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`, /too large/)
	})

	it('malformed header lines and Content-Length values', () => {
		refuses('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /bad header line/)
		refuses('HTTP/1.1 200 OK\r\n continuation first\r\n\r\n', /continuation/)
		refuses('HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n', /bad header name/)
		refuses('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad Content-Length/)
		refuses('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n', /bad Content-Length/)
	})

	it('bad chunk sizes and chunks longer than they said', () => {
		refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/)
		refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /longer than its size/)
	})

	it('a connection closed before the response or inside a framed body', () => {
		expect(() => new ResponseReader(1024).closed()).toThrow(/closed before a response/)
		const r = new ResponseReader(1024)
		r.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))
		expect(() => r.closed()).toThrow(ResponseError)
	})
})
