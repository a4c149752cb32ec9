import { http1 } from './http1'
import { recordedText } from './response-text'
import { type OutboundGuard, type PinnedTarget, pinHref, pinnedTls, SsrfBlocked } from './ssrf'

export const RESPONSE_BODY_CAP = 10 * 1024
/** How much of a compressed answer is read to inflate its first RESPONSE_BODY_CAP bytes. */
export const ENCODED_BODY_CAP = 1024 * 1024

/**
 * Why an attempt failed (`error_type` of attempts and issues). `event_purged` and
 * `connection_deleted` are not the destination's fault: such a delivery is closed, never retried.
 */
export type ErrorType =
	| 'http_3xx' | 'http_4xx' | 'http_5xx' | 'timeout' | 'network_error' | 'circuit_open' | 'transform_error' | 'event_purged' | 'connection_deleted'
	// A queue or bus refused the message (often inside an HTTP 200: EventBridge, Kafka REST, RabbitMQ routed:false, AMQP nack).
	| 'provider_error'

export interface OutboundRequest {
	url: string
	method: string
	headers: Record<string, string>
	body: Uint8Array
	timeoutMs: number
}

export interface OutboundResult {
	ok: boolean
	status: number | null
	headers: Record<string, string> | null
	/** The first 10 KB of the response body. */
	body: string | null
	durationMs: number
	error: string | null
	errorType: ErrorType | null
}

const utf8 = new TextDecoder()

/**
 * The response headers as recorded: one value per name, as `Object.fromEntries(headers)`
 * gives them (repeated Set-Cookie: the last), through the native `toJSON`, which lists
 * Set-Cookie as an array.
 */
function recordedHeaders(headers: Headers): Record<string, string> {
	const all = headers.toJSON() as Record<string, string | string[]>
	const cookies = all['set-cookie']
	if (Array.isArray(cookies)) all['set-cookie'] = cookies[cookies.length - 1] ?? ''
	return all as Record<string, string>
}

function readCappedText(res: Response): Promise<string> {
	if (!res.body) return Promise.resolve('')
	// A declared length within the cap is read whole: a stream reader costs more than most receivers' answers.
	// Not when the body is encoded: the length is the compressed one, and fetch inflates it (a gzip bomb).
	const declared = res.headers.get('content-length')
	if (declared !== null && !res.headers.has('content-encoding') && /^\d+$/.test(declared) && Number(declared) <= RESPONSE_BODY_CAP) return res.text()
	return readCappedStream(res.body)
}

async function readCappedStream(stream: ReadableStream<Uint8Array>): Promise<string> {
	const reader = stream.getReader()
	const chunks: Uint8Array[] = []
	let size = 0
	while (size < RESPONSE_BODY_CAP) {
		const { done, value } = await reader.read()
		if (done) break
		chunks.push(value)
		size += value.byteLength
	}
	await reader.cancel().catch(() => {})
	const all = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_CAP)
	return utf8.decode(all)
}

function classify(status: number): ErrorType | null {
	if (status >= 200 && status < 300) return null
	if (status >= 500) return 'http_5xx'
	// Redirects are not followed: the receiver moved, which is neither a client nor a server error.
	return status >= 300 && status < 400 ? 'http_3xx' : 'http_4xx'
}

/**
 * One HTTP delivery: SSRF check on the address actually connected to (the URL is
 * pinned to it, Host and TLS name kept), timeout, redirects not followed (a 3xx is
 * a failed attempt), response body capped. Never throws: every outcome is data.
 */
export async function sendHttp(req: OutboundRequest, guard: OutboundGuard): Promise<OutboundResult> {
	const started = performance.now()
	const elapsed = () => Math.round(performance.now() - started)
	try {
		const pin = pinHref(req.url, guard)
		const target = pin instanceof Promise ? await pin : pin
		const answer = await (guard.useFetch ? viaFetch(req, target, guard) : viaPool(req, target, guard))
		const errorType = classify(answer.status)
		const location = answer.headers.location
		const error = errorType === null ? null : errorType === 'http_3xx' ? `redirect not followed (${answer.status}${location ? ` to ${location}` : ''})` : `HTTP ${answer.status}`
		return { ok: errorType === null, status: answer.status, headers: answer.headers, body: answer.body, durationMs: elapsed(), error, errorType }
	} catch (err) {
		const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
		const message = err instanceof SsrfBlocked ? err.message : timeout ? `timed out after ${req.timeoutMs} ms` : err instanceof Error ? err.message : String(err)
		return { ok: false, status: null, headers: null, body: null, durationMs: elapsed(), error: message, errorType: timeout ? 'timeout' : 'network_error' }
	}
}

/** An answer as an attempt records it: the status, one value per header name, the first 10 KB of the body as text. */
interface Answer {
	status: number
	headers: Record<string, string>
	body: string
}

/** Through the pooled HTTP/1.1 client, connected to the pinned address. */
async function viaPool(req: OutboundRequest, target: PinnedTarget, guard: OutboundGuard): Promise<Answer> {
	const answer = await http1.request({
		target, ca: guard.ca, method: req.method, path: target.path, host: target.host, headers: req.headers, body: req.body,
		timeoutMs: req.timeoutMs, bodyCap: RESPONSE_BODY_CAP, encodedCap: ENCODED_BODY_CAP
	})
	const text = recordedText(answer.body, answer.headers['content-encoding'], RESPONSE_BODY_CAP)
	return { status: answer.status, headers: answer.headers, body: typeof text === 'string' ? text : await text }
}

/** Through fetch (a proxy is configured): the pinned URL, the original Host and TLS name. */
async function viaFetch(req: OutboundRequest, target: PinnedTarget, guard: OutboundGuard): Promise<Answer> {
	const res = await fetch(target.url, {
		method: req.method,
		headers: { ...req.headers, host: target.host },
		body: req.body,
		redirect: 'manual',
		signal: AbortSignal.timeout(req.timeoutMs),
		...pinnedTls(target, guard.ca)
	})
	return { status: res.status, headers: recordedHeaders(res.headers), body: await readCappedText(res) }
}
