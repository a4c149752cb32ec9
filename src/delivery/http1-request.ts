import { VERSION } from '../lib/version'

/** What a request says: its line, its headers and its body. */
export interface RequestHead {
	method: string
	/** Path and query, as the URL serializes them. */
	path: string
	/** The Host header: the original URL's host (with its port when not the default). */
	host: string
	/** Lower-case names. Framing headers (Content-Length, Connection…) are the client's own and are skipped. */
	headers: Record<string, string>
	body: Uint8Array
}

const USER_AGENT = `hookstream/${VERSION}`
// The client frames the request and owns the connection: these come from nowhere else.
const OWN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection'])
/** A header name as a token (RFC 9110), lowercased. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/
// Visible ASCII, space, tab and obs-text (0x80-0xff): what a header value may carry as bytes.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/
/** The request's bytes: head (latin-1, validated) and body in one buffer, one write. */
export function requestBytes(req: RequestHead): Buffer {
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
