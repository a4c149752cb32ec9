import { describe, expect, it } from 'bun:test'
import { defaultGuard, SsrfBlocked } from '../../src/delivery/ssrf'
import { fetchText, guardedGet } from '../../src/ingest/remote'
import { PlaidKeyCache } from '../../src/ingest/plaid-keys'
import { SnsCertCache } from '../../src/ingest/sns-certs'

describe('guarded remote GET (SNS certificates and confirmations)', () => {
	it('refuses private, loopback and metadata addresses before the transport runs', async () => {
		const seen: string[] = []
		const get = guardedGet(async (url) => {
			seen.push(url.href)
			return 'ok'
		}, defaultGuard(false))
		for (const url of ['https://127.0.0.1/cert.pem', 'https://169.254.169.254/latest/meta-data/', 'https://[::1]/x.pem', 'https://10.0.0.8/x.pem']) {
			await expect(get(new URL(url))).rejects.toBeInstanceOf(SsrfBlocked)
		}
		await Bun.sleep(0)
		expect(seen).toEqual([])
		const allowed = guardedGet(async () => 'ok', defaultGuard(true))
		expect(await allowed(new URL('https://127.0.0.1/cert.pem'))).toBe('ok')
	})
})

describe('remote fetch transport', () => {
	it('stops reading an undeclared (chunked) body past 64 KiB instead of buffering it whole', async () => {
		let pushed = 0
		const server = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			fetch(req) {
				if (new URL(req.url).pathname === '/small') return new Response('-----BEGIN CERTIFICATE-----')
				// No Content-Length: 64 MiB in 64 KiB chunks, produced only as they are read.
				const chunk = new Uint8Array(65536).fill(0x61)
				return new Response(new ReadableStream({ pull(c) { pushed++; if (pushed > 1024) c.close(); else c.enqueue(chunk) } }))
			}
		})
		try {
			expect(await fetchText(new URL(`http://127.0.0.1:${server.port}/small`))).toBe('-----BEGIN CERTIFICATE-----')
			await expect(fetchText(new URL(`http://127.0.0.1:${server.port}/big`))).rejects.toThrow('over 65536 bytes')
			expect(pushed).toBeLessThan(256)
		} finally {
			server.stop(true)
		}
	})
})

describe('SNS certificate cache', () => {
	const body = (certUrl: string) => new TextEncoder().encode(JSON.stringify({ Type: 'Notification', SigningCertURL: certUrl }))
	const config = { cert_host_pattern: '^sns\\.example\\.test$' }

	it('fetches only trusted https .pem URLs, once, and refuses what is not a certificate (remembered briefly)', async () => {
		const cert = await Bun.file(`${import.meta.dir}/../e2e/fixtures/sns-signing.cert.pem`).text()
		const fetched: string[] = []
		let now = Date.now()
		const cache = new SnsCertCache(async (url) => {
			fetched.push(url.href)
			return url.pathname === '/good.pem' ? cert : 'not a certificate'
		}, { now: () => now })
		const good = await cache.material(body('https://sns.example.test/good.pem'), config)
		expect(good.get('https://sns.example.test/good.pem')).toBe(cert)
		await cache.material(body('https://sns.example.test/good.pem'), config)
		for (const untrusted of ['http://sns.example.test/good.pem', 'https://sns.example.test/good.txt', 'https://evil.test/good.pem', 'https://sns.example.test.evil.test/good.pem']) {
			expect((await cache.material(body(untrusted), config)).size).toBe(0)
		}
		expect((await cache.material(body('https://sns.example.test/bad.pem'), config)).size).toBe(0)
		await cache.material(body('https://sns.example.test/bad.pem'), config)
		expect(fetched).toEqual(['https://sns.example.test/good.pem', 'https://sns.example.test/bad.pem'])
		now += 61_000
		await cache.material(body('https://sns.example.test/bad.pem'), config)
		expect(fetched).toHaveLength(3)
	})
})

describe('remote fetches a sender can trigger are budgeted', () => {
	it('SNS: at most 10 new certificate URLs a minute per host; a cached certificate keeps working meanwhile', async () => {
		const cert = await Bun.file(`${import.meta.dir}/../e2e/fixtures/sns-signing.cert.pem`).text()
		const body = (certUrl: string) => new TextEncoder().encode(JSON.stringify({ Type: 'Notification', SigningCertURL: certUrl }))
		const config = { cert_host_pattern: '^sns\\.example\\.test$' }
		let now = Date.now()
		const fetched: string[] = []
		const cache = new SnsCertCache(async (url) => {
			fetched.push(url.pathname)
			return url.pathname === '/good.pem' ? cert : 'nope'
		}, { now: () => now })
		expect((await cache.material(body('https://sns.example.test/good.pem'), config)).size).toBe(1)
		for (let i = 0; i < 50; i++) await cache.material(body(`https://sns.example.test/made-up-${i}.pem`), config)
		expect(fetched).toHaveLength(10)
		expect((await cache.material(body('https://sns.example.test/good.pem'), config)).size).toBe(1)
		now += 60_000
		await cache.material(body('https://sns.example.test/made-up-49.pem'), config)
		expect(fetched).toHaveLength(11)
	})

	it('SNS: at most 2 fetches in flight per host', async () => {
		let inFlight = 0
		let most = 0
		const cache = new SnsCertCache(async () => {
			most = Math.max(most, ++inFlight)
			await Bun.sleep(20)
			inFlight--
			return 'nope'
		}, { now: () => Date.now() })
		const body = (i: number) => new TextEncoder().encode(JSON.stringify({ Type: 'Notification', SigningCertURL: `https://sns.example.test/${i}.pem` }))
		await Promise.all(Array.from({ length: 8 }, (_, i) => cache.material(body(i), { cert_host_pattern: '^sns\\.example\\.test$' })))
		expect(most).toBe(2)
	})

	it('Plaid: a sender choosing new key ids spends at most 10 lookups a minute of the user\'s credentials', async () => {
		const posted: unknown[] = []
		const cache = new PlaidKeyCache(async (_url, json) => {
			posted.push(json)
			return JSON.stringify({ error: 'no such key' })
		}, { now: () => Date.now() })
		const settings = { type: 'jwt' as const, secrets: ['plaid-secret'], header: null, config: { plaid_client_id: 'client-1' } }
		const token = (kid: string) => `${Buffer.from(JSON.stringify({ alg: 'ES256', kid })).toString('base64url')}.e30.sig`
		for (let i = 0; i < 40; i++) expect((await cache.material(new Headers({ 'plaid-verification': token(`kid-${i}`) }), settings)).size).toBe(0)
		expect(posted).toHaveLength(10)
	})
})
