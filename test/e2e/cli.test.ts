import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers'
import { run, type Running, SOURCE_CLI, startProcess } from './process'

let dir: string
let server: Running
const ADMIN_KEY = `hs_live_${'ab'.repeat(32)}`

beforeAll(async () => {
	dir = tempDir()
	server = await startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY })
})
afterAll(async () => {
	await server.stop()
	rmSync(dir, { recursive: true, force: true })
})

const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? ''

describe('hookstream CLI against a running server', () => {
	it('HOOKSTREAM_ADMIN_KEY is usable as soon as the server listens', async () => {
		const res = await fetch(`${server.url}/v1/sources`, { headers: { 'x-api-key': ADMIN_KEY } })
		expect(res.status).toBe(200)
	})

	it('--create-admin-key prints the key alone on the last line while the server runs', async () => {
		const out = await run([...SOURCE_CLI, '--create-admin-key', '--name', 'ci', '--data-dir', dir])
		expect(out.code).toBe(0)
		const key = lastLine(out.stdout)
		expect(key).toMatch(/^hs_live_[0-9a-f]{64}$/)
		const res = await fetch(`${server.url}/v1/sources`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cli', slug: 'cli' }) })
		expect(res.status).toBe(201)
	})

	it('keys list shows prefixes, never keys; keys revoke takes effect at once', async () => {
		const created = await run([...SOURCE_CLI, 'keys', 'create', '--name', 'doomed', '--data-dir', dir])
		const key = lastLine(created.stdout)
		const list = await run([...SOURCE_CLI, 'keys', 'list', '--data-dir', dir])
		expect(list.code).toBe(0)
		expect(list.stdout).toContain(key.slice(0, 12))
		expect(list.stdout).not.toContain(key)
		const id = list.stdout.split('\n').find((l) => l.endsWith('doomed'))?.split('\t')[0] ?? ''
		expect(id).toMatch(/^ak_[0-9a-f]{16}$/)
		expect((await run([...SOURCE_CLI, 'keys', 'revoke', id, '--data-dir', dir])).code).toBe(0)
		const res = await fetch(`${server.url}/v1/sources`, { headers: { 'x-api-key': key } })
		expect(res.status).toBe(401)
		expect((await run([...SOURCE_CLI, 'keys', 'revoke', 'ak_0000000000000000', '--data-dir', dir])).code).toBe(1)
	})

	it('healthcheck exits 0 against the server and 1 when nothing listens', async () => {
		expect((await run([...SOURCE_CLI, 'healthcheck', '--url', `${server.url}/readyz`])).code).toBe(0)
		expect((await run([...SOURCE_CLI, 'healthcheck', '--port', '1', '--host', '127.0.0.1'])).code).toBe(1)
	})

	it('--help lists every flag with its env twin and default', async () => {
		const out = await run([...SOURCE_CLI, '--help'])
		expect(out.code).toBe(0)
		for (const s of ['--port', 'HOOKSTREAM_PORT', 'default 8080', '--host', 'default 0.0.0.0', '--data-dir', 'HOOKSTREAM_DATA_DIR', 'default ./data', '--create-admin-key', 'keys list', 'healthcheck', 'HOOKSTREAM_ADMIN_KEY']) {
			expect(out.stdout).toContain(s)
		}
	})

	it('rejects bad flags and env values with one clear line', async () => {
		const bad = await run([...SOURCE_CLI, '--port', 'eighty'])
		expect(bad.code).toBe(2)
		expect(bad.stderr.trim()).toBe('hookstream: --port: expected a whole number, got "eighty"')
		const env = await run([...SOURCE_CLI, 'serve'], { HOOKSTREAM_PORT: '70000' })
		expect(env.code).toBe(2)
		expect(env.stderr).toContain('HOOKSTREAM_PORT')
		expect((await run([...SOURCE_CLI, '--bogus'])).code).toBe(2)
		// A boolean flag followed by a value would silently leave the flag on.
		const stray = await run([...SOURCE_CLI, 'serve', '--allow-private-destinations', 'false'])
		expect(stray.code).toBe(2)
		expect(stray.stderr).toContain("unexpected argument 'false'")
		for (const [flag, value] of [['--trusted-proxies', 'bogus'], ['--encryption-key', 'abc']]) {
			const bad = await run([...SOURCE_CLI, 'migrate', flag as string, value as string, '--data-dir', dir])
			expect({ flag, code: bad.code, lines: bad.stderr.trim().split('\n').length }).toEqual({ flag, code: 2, lines: 1 })
		}
	})

	it('writes JSON access logs with the request id and no secrets', async () => {
		const res = await fetch(`${server.url}/healthz`)
		const requestId = res.headers.get('x-request-id') ?? ''
		expect(requestId).toMatch(/^req_[0-9a-f]{12}$/)
		// Lines are flushed on the next turn and other tests' requests interleave: find this request's line.
		const healthz = async () => {
			for (const started = Date.now(); Date.now() - started < 5000; await Bun.sleep(20)) {
				const line = server.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request' && l.request_id === requestId)
				if (line) return line
			}
			throw new Error(`no access-log line for ${requestId}`)
		}
		expect(await healthz()).toMatchObject({ method: 'GET', route: '/healthz', status: 200 })
		expect(server.lines.join('\n')).not.toContain(ADMIN_KEY)
	})
})

describe('graceful stop', () => {
	it('stops on SIGTERM with exit 0; restart reopens cleanly and HOOKSTREAM_ADMIN_KEY stays one key', async () => {
		const d = tempDir()
		const args = [...SOURCE_CLI, '--port', '0', '--host', '127.0.0.1', '--data-dir', d]
		const s = await startProcess(args, { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY })
		expect(await s.stop('SIGTERM')).toBe(0)
		const again = await startProcess(args, { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY })
		expect((await fetch(`${again.url}/readyz`)).status).toBe(200)
		expect((await fetch(`${again.url}/v1/sources`, { headers: { 'x-api-key': ADMIN_KEY } })).status).toBe(200)
		expect(await again.stop('SIGINT')).toBe(0)
		const list = await run([...SOURCE_CLI, 'keys', 'list', '--data-dir', d])
		expect(list.stdout.trim().split('\n')).toHaveLength(1)
		rmSync(d, { recursive: true, force: true })
	})
})

describe('hostile requests against the real server', () => {
	it('a malformed Host header gets a 400 envelope and the server stays up', async () => {
		const port = new URL(server.url).port
		for (const path of ['/healthz', '/v1/sources', '/v1/ingest/src_00000000000000000000000000000000']) {
			const reply = await new Promise<string>((resolve, reject) => {
				let data = ''
				void Bun.connect({
					hostname: '127.0.0.1',
					port: Number(port),
					socket: {
						open(s) {
							s.write(`GET ${path} HTTP/1.1\r\nHost: a:99999\r\nConnection: close\r\n\r\n`)
						},
						data(_s, chunk) {
							data += chunk.toString()
						},
						close() {
							resolve(data)
						},
						error(_s, e) {
							reject(e)
						}
					}
				})
			})
			expect(reply).not.toContain(' 500 ')
			expect(reply).not.toMatch(/at .*\.ts/)
		}
		expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
	})
})
