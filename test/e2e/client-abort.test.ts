import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tempDir } from '../helpers'
import { type Running, SOURCE_CLI, startProcess } from './process'
import { until } from '../support/poll'

/** A client that sends half a body and hangs up is a client abort: 499 in the access log, no error, no 500. */
let dir: string
let server: Running
const KEY = `hs_live_${'cd'.repeat(32)}`

beforeAll(async () => {
	dir = tempDir()
	server = await startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--log-level', 'debug'], { HOOKSTREAM_ADMIN_KEY: KEY })
})
afterAll(async () => {
	await server.stop()
	rmSync(dir, { recursive: true, force: true })
})

type Line = { level?: string; msg?: string; status?: number; route?: string; request_id?: string }
const parsed = (): Line[] => server.lines.flatMap((l) => {
	try {
		return [JSON.parse(l) as Line]
	} catch {
		return []
	}
})

/** How long a request's log line may take, and the server's log if it never comes. */
const serverLog = { timeoutMs: 5000, detail: () => server.lines.join('\n') }

/** Raw TCP: the head and the first bytes of a 1000-byte body, then a close once they have surely arrived. */
async function sendHalfAndClose(path: string): Promise<void> {
	const { port } = new URL(server.url)
	await new Promise<void>((resolve, reject) => {
		const sock = connect(Number(port), '127.0.0.1', () => {
			sock.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nx-api-key: ${KEY}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"half":`, () => {
				setTimeout(() => {
					sock.destroy()
					resolve()
				}, 50)
			})
		})
		sock.on('error', reject)
	})
}

describe('a client that aborts mid-body', () => {
	it('on ingest and on the API: logged as 499 at info/debug, never as an error or a 500', async () => {
		const created = await fetch(`${server.url}/v1/sources`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'abort', slug: 'abort' }) })
		expect(created.status).toBe(201)
		const { source } = (await created.json()) as { source: { id: string } }

		for (const [path, route] of [[`/v1/ingest/${source.id}`, '/v1/ingest/:source_id'], ['/v1/sources', '/v1/sources']] as const) {
			const before = parsed().filter((l) => l.msg === 'request' && l.route === route).length
			await sendHalfAndClose(path)
			const line = await until(() => parsed().filter((l) => l.msg === 'request' && l.route === route)[before], serverLog)
			expect({ route, status: line.status }).toEqual({ route, status: 499 })
			const about = parsed().filter((l) => l.request_id === line.request_id)
			expect(about.every((l) => l.level === 'info' || l.level === 'debug')).toBe(true)
			expect(about.some((l) => l.msg === 'request ended before its body was read (the client hung up, or the runtime refused its framing)')).toBe(true)
		}
		expect(parsed().filter((l) => l.level === 'error' || l.status === 500)).toEqual([])
		// The server is fine afterwards, and a whole request is still logged with its real status.
		const ok = await fetch(`${server.url}/v1/ingest/${source.id}`, { method: 'POST', body: '{"whole":true}' })
		expect(ok.status).toBe(200)
		await until(() => parsed().find((l) => l.msg === 'request' && l.route === '/v1/ingest/:source_id' && l.status === 200), serverLog)
	})
})
