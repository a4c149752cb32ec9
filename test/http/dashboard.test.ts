import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

const assetsOf = (html: string) => [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1] as string)

describe('the dashboard page', () => {
	it('GET / is the dashboard: HTML with a strict CSP, its script and style served from this binary', async () => {
		const res = await t.call('GET', '/', { key: null, headers: { accept: 'text/html' } })
		expect(res.status).toBe(200)
		expect(res.headers.get('content-type')).toStartWith('text/html')
		expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
		const html = await res.text()
		const assets = assetsOf(html)
		expect(assets.some((a) => a.endsWith('.js'))).toBe(true)
		expect(assets.some((a) => a.endsWith('.css'))).toBe(true)
		for (const a of assets) {
			const file = await t.call('GET', a, { key: null })
			expect(file.status).toBe(200)
			expect(file.headers.get('cache-control')).toContain('immutable')
			expect(file.headers.get('content-type')).toMatch(/^text\/(javascript|css)/)
		}
	})

	it('deep links (/dashboard/events/evt_x, /dashboard/cli-auth?code=…) get the same page; /docs stays the API reference', async () => {
		const root = await (await t.call('GET', '/', { key: null })).text()
		for (const path of ['/dashboard', '/dashboard/events/evt_x', '/dashboard/cli-auth?code=ABCD-EFGH']) {
			const res = await t.call('GET', path, { key: null })
			expect(res.status).toBe(200)
			expect(await res.text()).toBe(root)
		}
		const docs = await t.call('GET', '/docs', { key: null })
		expect(await docs.text()).toContain('swagger-ui')
		const doc = (await (await t.call('GET', '/docs/json', { key: null })).json()) as { paths: Record<string, unknown> }
		expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/dashboard'))).toEqual([])
	})

	it('an unknown asset is a 404 in the error envelope', async () => {
		const res = await t.call('GET', '/dashboard/assets/nope.js', { key: null })
		expect(res.status).toBe(404)
		expect(await res.json()).toMatchObject({ status: 404, error: expect.any(String), request_id: expect.any(String) })
	})

	it('the whole bundle (scripts and styles) stays within 150 KB gzipped', async () => {
		const html = await (await t.call('GET', '/', { key: null })).text()
		let gz = 0
		for (const a of assetsOf(html)) gz += gzipSync(new Uint8Array(await (await t.call('GET', a, { key: null })).arrayBuffer())).byteLength
		expect(gz).toBeGreaterThan(1000)
		expect(gz).toBeLessThanOrEqual(150 * 1024)
	})
})
