import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import type { Server } from 'bun'
import { type OutboundRequest, RESPONSE_BODY_CAP, sendHttp } from '../../src/delivery/outbound'
import { type OutboundGuard, pinHref, pinUrl, type Resolver } from '../../src/delivery/ssrf'

const TLS_DIR = join(import.meta.dir, '..', 'fixtures', 'tls')
const cert = await Bun.file(join(TLS_DIR, 'hooks.example.test.crt')).text()
const key = await Bun.file(join(TLS_DIR, 'hooks.example.test.key')).text()

type Seen = { host: string | null; url: string }
const seen: Seen[] = []
const record = (req: Request) => {
	seen.push({ host: req.headers.get('host'), url: req.url })
	return new Response('ok')
}
let http: Server<undefined>
let https: Server<undefined>
beforeAll(() => {
	http = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: record })
	https = Bun.serve({ port: 0, hostname: '127.0.0.1', tls: { cert, key }, fetch: record })
})
afterAll(async () => {
	await http.stop(true)
	await https.stop(true)
})

/** A resolver that answers from a table and counts its lookups; `.test` names never reach real DNS. */
function table(answers: Record<string, string[]>): Resolver & { calls: string[] } {
	const calls: string[] = []
	const resolve = async (host: string) => {
		calls.push(host)
		const found = answers[host]
		if (!found) throw new Error(`getaddrinfo ENOTFOUND ${host}`)
		return found
	}
	return Object.assign(resolve, { calls })
}

const request = (url: string): OutboundRequest => ({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{}'), timeoutMs: 5000 })

describe('SSRF guard: the checked address is the address connected to', () => {
	it('resolves once and connects to the checked loopback address, keeping the Host of the original URL', async () => {
		const resolve = table({ 'hooks.example.test': ['127.0.0.1'] })
		const guard: OutboundGuard = { allowPrivate: true, resolve }
		const before = seen.length
		const result = await sendHttp(request(`http://hooks.example.test:${http.port}/in?x=1`), guard)
		// `.test` names do not exist in DNS: reaching the receiver proves fetch did not resolve again.
		expect(result).toMatchObject({ ok: true, status: 200 })
		expect(resolve.calls).toEqual(['hooks.example.test'])
		expect(seen.slice(before)).toEqual([{ host: `hooks.example.test:${http.port}`, url: `http://hooks.example.test:${http.port}/in?x=1` }])
	})

	it('a resolver answering a private address is refused when private destinations are not allowed, with no connection', async () => {
		for (const answer of [['127.0.0.1'], ['10.0.0.7'], ['169.254.169.254'], ['::ffff:127.0.0.1'], ['8.8.8.8', '127.0.0.1']]) {
			const resolve = table({ 'hooks.example.test': answer })
			const before = seen.length
			const result = await sendHttp(request(`http://hooks.example.test:${http.port}/`), { allowPrivate: false, resolve })
			expect({ answer, ok: result.ok, errorType: result.errorType }).toEqual({ answer, ok: false, errorType: 'network_error' })
			expect(result.error).toContain('private or internal')
			expect(resolve.calls).toHaveLength(1)
			expect(seen.length).toBe(before)
		}
	})

	it('pins to the first answer after checking every one, IPv6 in brackets', async () => {
		const pinned = await pinUrl(new URL('https://hooks.example.test:8443/a'), { allowPrivate: false, resolve: table({ 'hooks.example.test': ['2606:4700:4700::1111', '1.1.1.1'] }) })
		expect(pinned).toEqual({ url: 'https://[2606:4700:4700::1111]:8443/a', address: '2606:4700:4700::1111', host: 'hooks.example.test:8443', serverName: 'hooks.example.test', tls: true, port: 8443, path: '/a' })
		const plain = await pinUrl(new URL('http://hooks.example.test/a?b=1'), { allowPrivate: false, resolve: table({ 'hooks.example.test': ['1.1.1.1'] }) })
		expect(plain).toEqual({ url: 'http://1.1.1.1/a?b=1', address: '1.1.1.1', host: 'hooks.example.test', serverName: null, tls: false, port: 80, path: '/a?b=1' })
	})

	it('resolves a host name again on every attempt; an address URL is pinned once, and a private one is refused every time', async () => {
		const resolve = table({ 'hooks.example.test': ['127.0.0.1'] })
		for (let i = 0; i < 3; i++) expect(await sendHttp(request(`http://hooks.example.test:${http.port}/again`), { allowPrivate: true, resolve })).toMatchObject({ ok: true })
		expect(resolve.calls).toEqual(['hooks.example.test', 'hooks.example.test', 'hooks.example.test'])
		const literal = `http://127.0.0.1:${http.port}/literal`
		const first = await pinHref(literal, { allowPrivate: true, resolve })
		expect(await pinHref(literal, { allowPrivate: true, resolve })).toBe(first)
		// The remembered pin is per policy: the same address without private destinations allowed is refused.
		for (let i = 0; i < 2; i++) await expect(pinHref(literal, { allowPrivate: false, resolve })).rejects.toThrow('private or internal')
		expect(resolve.calls).toHaveLength(3)
	})

	it('a name that does not resolve is a network error, not a crash', async () => {
		const result = await sendHttp(request('http://nowhere.example.test/'), { allowPrivate: true, resolve: table({}) })
		expect(result).toMatchObject({ ok: false, errorType: 'network_error', error: expect.stringContaining('ENOTFOUND') })
	})
})

describe('SSRF guard over HTTPS: the certificate is checked against the original name', () => {
	it('accepts the certificate of the name in the URL while connecting to the pinned address', async () => {
		const resolve = table({ 'hooks.example.test': ['127.0.0.1'] })
		const before = seen.length
		const result = await sendHttp(request(`https://hooks.example.test:${https.port}/secure`), { allowPrivate: true, resolve, ca: cert })
		expect(result).toMatchObject({ ok: true, status: 200 })
		expect(seen.slice(before)).toEqual([{ host: `hooks.example.test:${https.port}`, url: `https://hooks.example.test:${https.port}/secure` }])
	})

	it('refuses the same server under another name: validation does not use the address or trust the pin', async () => {
		const resolve = table({ 'other.example.test': ['127.0.0.1'] })
		const before = seen.length
		const result = await sendHttp(request(`https://other.example.test:${https.port}/`), { allowPrivate: true, resolve, ca: cert })
		expect(result).toMatchObject({ ok: false, errorType: 'network_error' })
		expect(result.error).toMatch(/ALTNAME|certificate|Hostname/i)
		expect(seen.length).toBe(before)
	})

	it('refuses a certificate no trusted CA signed', async () => {
		const resolve = table({ 'hooks.example.test': ['127.0.0.1'] })
		const result = await sendHttp(request(`https://hooks.example.test:${https.port}/`), { allowPrivate: true, resolve })
		expect(result).toMatchObject({ ok: false, errorType: 'network_error' })
	})
})

describe('response bodies', () => {
	const big = 'x'.repeat(3 * RESPONSE_BODY_CAP)
	const gzipBomb = Bun.gzipSync(new Uint8Array(4 * 1024 * 1024).fill(120))
	let rx: Server<undefined>
	beforeAll(() => {
		rx = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			fetch(req) {
				const path = new URL(req.url).pathname
				if (path === '/small') return new Response('accepted')
				if (path === '/big') return new Response(big)
				// A declared length under the cap that fetch inflates to megabytes.
				if (path === '/gzip') return new Response(gzipBomb, { headers: { 'content-encoding': 'gzip', 'content-length': String(gzipBomb.byteLength) } })
				// No Content-Length: streamed in chunks, read only up to the cap.
				return new Response(new ReadableStream({ pull(c) { c.enqueue(new TextEncoder().encode(big)); c.close() } }))
			}
		})
	})
	afterAll(() => rx.stop(true))

	it('keeps a short answer whole and the first 10 KB of a long one, declared, streamed or inflated', async () => {
		const guard: OutboundGuard = { allowPrivate: true, resolve: table({}) }
		expect((await sendHttp(request(`http://127.0.0.1:${rx.port}/small`), guard)).body).toBe('accepted')
		expect(gzipBomb.byteLength).toBeLessThan(RESPONSE_BODY_CAP)
		for (const path of ['/big', '/stream', '/gzip']) {
			const result = await sendHttp(request(`http://127.0.0.1:${rx.port}${path}`), guard)
			expect({ path, ok: result.ok, length: result.body?.length }).toEqual({ path, ok: true, length: RESPONSE_BODY_CAP })
		}
	})
})
