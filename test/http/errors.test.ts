import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp({ 'max-body-bytes': '2048' })
})
afterAll(() => t.close())

async function envelope(res: Response, status: number) {
	expect(res.status).toBe(status)
	expect(res.headers.get('content-type')).toContain('application/json')
	const id = res.headers.get('x-request-id')
	expect(id).toMatch(/^req_[0-9a-f]{12}$/)
	const body = (await res.json()) as Record<string, unknown>
	expect(body).toMatchObject({ status, request_id: id })
	expect(typeof body.error).toBe('string')
	expect(JSON.stringify(body)).not.toMatch(/at .*\.ts|node_modules|stack/i)
	return body
}

describe('error envelope', () => {
	it('404 for unknown routes, authenticated or public', async () => {
		await envelope(await t.call('GET', '/v1/nothing-here'), 404)
		await envelope(await t.call('GET', '/nope', { key: null }), 404)
	})

	it('400 for malformed JSON', async () => {
		const body = await envelope(await t.call('POST', '/v1/sources', { body: '{"name": "x",' }), 400)
		expect(body.error).toBe('Malformed JSON body')
	})

	it('400 for a JSON body that is not an object', async () => {
		await envelope(await t.call('POST', '/v1/sources', { body: '[1,2]' }), 400)
		await envelope(await t.call('POST', '/v1/sources', { body: 'null' }), 400)
	})

	it('415 for a body that is not JSON', async () => {
		const body = await envelope(await t.call('POST', '/v1/sources', { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415)
		expect(body.error).toBe('Content-Type must be application/json')
		await envelope(await t.call('POST', '/v1/sources', { body: '{}', headers: { 'content-type': 'text/plain' } }), 415)
	})

	it('413 for a body over the limit', async () => {
		const body = await envelope(await t.call('POST', '/v1/sources', { body: { name: 'x'.repeat(4096), slug: 'big' } }), 413)
		expect(body.error).toContain('2048')
	})

	it('500 without a stack trace for unexpected errors', async () => {
		const original = t.ctx.sources.list.bind(t.ctx.sources)
		t.ctx.sources.list = () => Promise.reject(new Error('secret internal detail'))
		try {
			const body = await envelope(await t.call('GET', '/v1/sources'), 500)
			expect(body.error).toBe('Internal server error')
			expect(JSON.stringify(body)).not.toContain('secret internal detail')
		} finally {
			t.ctx.sources.list = original
		}
	})

	it('X-Request-Id on successful responses too', async () => {
		const res = await t.call('GET', '/healthz', { key: null })
		expect(res.status).toBe(200)
		expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{12}$/)
	})
})

describe('health and docs', () => {
	it('/healthz and /readyz', async () => {
		expect(await (await t.call('GET', '/healthz', { key: null })).json()).toEqual({ status: 'ok' })
		expect(await (await t.call('GET', '/readyz', { key: null })).json()).toEqual({ status: 'ready' })
	})

	it('serves the OpenAPI spec with every route, schemas and examples', async () => {
		const res = await t.call('GET', '/docs/json', { key: null })
		expect(res.status).toBe(200)
		const spec = (await res.json()) as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown>; summary?: string }>> }
		for (const [path, methods] of [['/v1/sources', ['get', 'post']], ['/v1/sources/{id}', ['get', 'patch', 'delete']], ['/v1/templates', ['get']], ['/v1/templates/{slug}', ['get']]] as const) {
			for (const m of methods) {
				const op = spec.paths[path]?.[m]
				expect({ path, m, present: !!op?.summary }).toEqual({ path, m, present: true })
			}
		}
		const post = spec.paths['/v1/sources']?.post
		expect(JSON.stringify(post?.requestBody)).toContain('slug')
		expect(JSON.stringify(post?.responses)).toContain('verification_secret')
		expect(JSON.stringify(spec)).toContain('examples')
	})

	it('serves the interactive docs page', async () => {
		const res = await t.call('GET', '/docs', { key: null })
		expect(res.status).toBe(200)
		expect(res.headers.get('content-type')).toContain('text/html')
	})
})

describe('hostile bodies', () => {
	it('400 for JSON nested deeper than 64 levels', async () => {
		const deep = `{"name":"x","slug":"deep","source_config":{"a":${'['.repeat(200)}${']'.repeat(200)}}}`
		const res = await t.call('POST', '/v1/sources', { body: deep })
		expect(res.status).toBe(400)
		expect(((await res.json()) as { error: string }).error).toContain('nested deeper')
	})
})
