import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

describe('GET /', () => {
	it('sends a browser (no API key) to the API reference with a 302; that page is HTML, and / is no API operation', async () => {
		const res = await t.call('GET', '/', { key: null, headers: { accept: 'text/html' } })
		expect(res.status).toBe(302)
		const location = res.headers.get('location') ?? ''
		expect(location).toBe('/docs')
		const page = await t.call('GET', location, { key: null, headers: { accept: 'text/html' } })
		expect(page.status).toBe(200)
		expect(page.headers.get('content-type')).toStartWith('text/html')
		// A redirect for people, not an API operation.
		const doc = (await (await t.call('GET', '/docs/json', { key: null })).json()) as { paths: Record<string, unknown> }
		expect(Object.keys(doc.paths)).toContain('/healthz')
		expect(Object.keys(doc.paths)).not.toContain('/')
	})
})
