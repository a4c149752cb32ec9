import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib'

const utf8 = new TextDecoder()

/**
 * The recorded text of an answer's body (a promise only when it must be inflated): at most `cap` bytes, inflated first when the
 * server compressed it unasked (gzip, deflate or br, as fetch would have), UTF-8 decoded
 * as `Response.text()` decodes (a BOM dropped, bad bytes replaced). Inflating stops at
 * `cap` bytes of output: a small compressed body may stand for gigabytes.
 */
export function recordedText(body: Uint8Array, encoding: string | undefined, cap: number): string | Promise<string> {
	const coding = encoding?.trim().toLowerCase()
	if (!coding || coding === 'identity' || body.byteLength === 0) return utf8.decode(body.subarray(0, cap))
	return inflateCapped(body, coding, cap).then((inflated) => utf8.decode(inflated ?? body.subarray(0, cap)))
}

/** The first `cap` inflated bytes; null for a coding this client does not know (the bytes are recorded as sent). */
async function inflateCapped(body: Uint8Array, coding: string, cap: number): Promise<Uint8Array | null> {
	if (coding === 'deflate') {
		// "deflate" is meant zlib-wrapped, but some servers send it raw.
		const wrapped = await inflateWith(() => createInflate(), body, cap)
		return wrapped.ok ? wrapped.bytes : (await inflateWith(() => createInflateRaw(), body, cap)).bytes
	}
	const make = coding === 'gzip' || coding === 'x-gzip' ? () => createGunzip() : coding === 'br' ? () => createBrotliDecompress() : null
	return make ? (await inflateWith(make, body, cap)).bytes : null
}

/** Inflates until the end, an error (what came before it is kept: the body may have been cut at its cap) or `cap` bytes. */
function inflateWith(make: () => NodeJS.ReadWriteStream & { destroy(): void }, body: Uint8Array, cap: number): Promise<{ ok: boolean; bytes: Uint8Array }> {
	return new Promise((resolve) => {
		const stream = make()
		const chunks: Buffer[] = []
		let size = 0
		let settled = false
		const finish = (ok: boolean) => {
			if (settled) return
			settled = true
			stream.destroy()
			resolve({ ok, bytes: Buffer.concat(chunks).subarray(0, cap) })
		}
		stream.on('data', (chunk: Buffer) => {
			chunks.push(chunk)
			size += chunk.length
			if (size >= cap) finish(true)
		})
		stream.on('end', () => finish(true))
		stream.on('error', () => finish(size > 0))
		stream.end(body)
	})
}
