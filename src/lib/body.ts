import { PayloadTooLarge } from './errors'

/**
 * Reads a body stream into one buffer, giving up as soon as it passes
 * `maxBytes` so an oversized (or endless chunked) body is never held whole.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
	if (body === null) return new Uint8Array(0)
	const chunks: Uint8Array[] = []
	let total = 0
	const reader = body.getReader()
	for (;;) {
		const { done, value } = await reader.read()
		if (done) break
		total += value.byteLength
		if (total > maxBytes) {
			await reader.cancel().catch(() => {})
			throw new PayloadTooLarge(maxBytes)
		}
		chunks.push(value)
	}
	if (chunks.length === 1 && chunks[0]) return chunks[0]
	const out = new Uint8Array(total)
	let offset = 0
	for (const c of chunks) {
		out.set(c, offset)
		offset += c.byteLength
	}
	return out
}

/**
 * A request's body under the cap. With a Content-Length (the common case) the
 * size is known up front and the native whole-body read is used; only chunked
 * bodies go through the stream reader that stops at the cap.
 */
export async function readRequestBody(request: Request, maxBytes: number): Promise<Uint8Array> {
	const declared = request.headers.get('content-length')
	if (declared !== null && !request.headers.has('transfer-encoding')) {
		const length = Number(declared)
		if (length > maxBytes) throw new PayloadTooLarge(maxBytes)
		const bytes = await request.bytes()
		if (bytes.byteLength > maxBytes) throw new PayloadTooLarge(maxBytes)
		return bytes
	}
	return readCapped(request.body, maxBytes)
}
