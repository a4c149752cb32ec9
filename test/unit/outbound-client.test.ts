import { afterAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { sendHttp } from '../../src/delivery/outbound'
import { defaultGuard, proxyConfigured } from '../../src/delivery/ssrf'
import { VERSION } from '../../src/lib/version'

const seen: { ua: string | null; url: string }[] = []
const receiver = Bun.serve({
	port: 0,
	hostname: '127.0.0.1',
	fetch(req) {
		seen.push({ ua: req.headers.get('user-agent'), url: req.url })
		return new Response('ok', { headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['x-multi', '1'], ['x-multi', '2']] })
	}
})
afterAll(() => receiver.stop(true))

const request = (url: string) => ({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{}'), timeoutMs: 5000 })

describe('sendHttp: which client', () => {
	it('sends through the pooled HTTP/1.1 client by default, and records the answer as fetch would', async () => {
		const before = seen.length
		const result = await sendHttp(request(`http://127.0.0.1:${receiver.port}/pooled`), { allowPrivate: true, resolve: async () => [] })
		expect(result).toMatchObject({ ok: true, status: 200, body: 'ok', headers: { 'set-cookie': 'b=2', 'x-multi': '1, 2', 'content-length': '2' } })
		expect(seen.slice(before)).toEqual([{ ua: `hookstream/${VERSION}`, url: `http://127.0.0.1:${receiver.port}/pooled` }])
	})

	it('sends through fetch when the guard says so, with the same record', async () => {
		const before = seen.length
		const result = await sendHttp(request(`http://127.0.0.1:${receiver.port}/fetched`), { allowPrivate: true, resolve: async () => [], useFetch: true })
		expect(result).toMatchObject({ ok: true, status: 200, body: 'ok', headers: { 'set-cookie': 'b=2', 'x-multi': '1, 2', 'content-length': '2' } })
		expect(seen.slice(before)).toEqual([{ ua: `Bun/${Bun.version}`, url: `http://127.0.0.1:${receiver.port}/fetched` }])
	})

	it('takes any of the proxy variables fetch honours as a configured proxy', () => {
		expect(proxyConfigured({})).toBe(false)
		expect(proxyConfigured({ HTTP_PROXY: '' })).toBe(false)
		for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) expect({ name, proxied: proxyConfigured({ [name]: 'http://proxy:3128' }) }).toEqual({ name, proxied: true })
	})

	it('goes through the proxy of HTTP_PROXY (a process started with it set)', async () => {
		const proxied: string[] = []
		const proxy = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			fetch(req) {
				proxied.push(`${req.method} ${req.url}`)
				return new Response('via proxy')
			}
		})
		try {
			const script = `import { sendHttp } from ${JSON.stringify(join(import.meta.dir, '../../src/delivery/outbound'))}
import { defaultGuard } from ${JSON.stringify(join(import.meta.dir, '../../src/delivery/ssrf'))}
const r = await sendHttp({ url: 'http://127.0.0.1:${receiver.port}/behind-proxy', method: 'POST', headers: {}, body: new Uint8Array(0), timeoutMs: 5000 }, defaultGuard(true))
console.log(JSON.stringify(r))`
			const child = Bun.spawn([process.execPath, '-e', script], { env: { ...process.env, HTTP_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: '' }, stdout: 'pipe', stderr: 'pipe' })
			const [out, code] = [await new Response(child.stdout).text(), await child.exited]
			expect({ code, result: JSON.parse(out.trim().split('\n').at(-1) ?? 'null') }).toMatchObject({ code: 0, result: { ok: true, body: 'via proxy' } })
			expect(proxied).toEqual([`POST http://127.0.0.1:${receiver.port}/behind-proxy`])
		} finally {
			proxy.stop(true)
		}
		expect(defaultGuard(true).useFetch).toBe(proxyConfigured())
	})
})
