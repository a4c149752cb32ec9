import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { connect } from 'node:net'
import { type Harness, startHarness } from './harness'

/** Requests whose Host is shorter than 4 characters (a container named `api` on port 80) route like any other. */
let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

async function raw(request: string): Promise<{ status: number; body: string }> {
	const text = await new Promise<string>((resolve, reject) => {
		let buffer = ''
		const sock = connect(Number(new URL(h.url).port), '127.0.0.1', () => sock.write(request))
		sock.on('data', (d) => {
			buffer += String(d)
			const [head, body = ''] = buffer.split('\r\n\r\n')
			const length = Number(/content-length: (\d+)/i.exec(head ?? '')?.[1] ?? -1)
			if (length >= 0 && Buffer.byteLength(body) >= length) {
				sock.destroy()
				resolve(buffer)
			}
		})
		sock.on('error', reject)
	})
	const [head = '', body = ''] = text.split('\r\n\r\n')
	return { status: Number(head.split(' ')[1]), body }
}

describe('short Host headers', () => {
	for (const host of ['api', 'x', 'hs']) {
		it(`Host: ${host}`, async () => {
			expect(await raw(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`)).toEqual({ status: 200, body: '{"status":"ok"}' })
			const list = await raw(`GET /v1/sources?limit=1 HTTP/1.1\r\nHost: ${host}\r\nx-api-key: ${h.key}\r\n\r\n`)
			expect(list.status).toBe(200)
			const payload = JSON.stringify({ name: host, slug: `short-${host}` })
			const created = await raw(`POST /v1/sources HTTP/1.1\r\nHost: ${host}\r\nx-api-key: ${h.key}\r\ncontent-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n${payload}`)
			expect(created.status).toBe(201)
			const { source } = JSON.parse(created.body) as { source: { id: string; url: string } }
			expect(source.url).toBe(`http://${host}/v1/ingest/${source.id}`)
		})
	}
})
