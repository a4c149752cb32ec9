import { describe, expect, it } from 'bun:test'
import { defaultGuard, SsrfBlocked } from '../../src/delivery/ssrf'
import { fetchText, guardedGet } from '../../src/ingest/remote'
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
