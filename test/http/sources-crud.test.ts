import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'

type Src = Record<string, unknown> & { id: string; slug: string }
let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

async function create(body: Record<string, unknown>): Promise<Src> {
	const res = await t.call('POST', '/v1/sources', { body })
	expect(res.status).toBe(201)
	return ((await res.json()) as { source: Src }).source
}

describe('GET /v1/sources', () => {
	it('pages newest first with no duplicates or gaps', async () => {
		const ids: string[] = []
		for (let i = 0; i < 23; i++) ids.push((await create({ name: `s${i}`, slug: `page-${i}` })).id)
		const seen: string[] = []
		let cursor: string | null = null
		let pages = 0
		do {
			const res = await t.call('GET', `/v1/sources?limit=5${cursor ? `&cursor=${cursor}` : ''}`)
			expect(res.status).toBe(200)
			const body = (await res.json()) as { sources: Src[]; cursor: string | null; has_more: boolean }
			expect(body.sources.length).toBeLessThanOrEqual(5)
			expect(body.has_more).toBe(body.cursor !== null)
			seen.push(...body.sources.map((s) => s.id))
			cursor = body.cursor
			pages++
		} while (cursor)
		expect(pages).toBe(5)
		expect(seen).toEqual([...ids].reverse())
		expect(new Set(seen).size).toBe(seen.length)
	})

	it('defaults to 20 per page', async () => {
		const body = (await (await t.call('GET', '/v1/sources')).json()) as { sources: Src[]; has_more: boolean }
		expect(body.sources).toHaveLength(20)
		expect(body.has_more).toBe(true)
	})

	it('rejects a limit above 100 and a forged cursor', async () => {
		const over = await t.call('GET', '/v1/sources?limit=101')
		expect(over.status).toBe(400)
		expect(await over.json()).toMatchObject({ error: "Invalid query: 'limit' must be at most 100", details: [{ path: '/limit' }] })
		expect((await t.call('GET', '/v1/sources?limit=0')).status).toBe(400)
		expect((await t.call('GET', '/v1/sources?limit=abc')).status).toBe(400)
		const res = await t.call('GET', '/v1/sources?cursor=bm90LWFuLWlk')
		expect(res.status).toBe(400)
		expect(await res.json()).toMatchObject({ error: 'Invalid cursor' })
	})

	it('filters by status and rejects an unknown status', async () => {
		const paused = await create({ name: 'p', slug: 'paused-one' })
		await t.call('PATCH', `/v1/sources/${paused.id}`, { body: { status: 'paused' } })
		const body = (await (await t.call('GET', '/v1/sources?status=paused')).json()) as { sources: Src[] }
		expect(body.sources.map((s) => s.id)).toEqual([paused.id])
		expect((await t.call('GET', '/v1/sources?status=sleeping')).status).toBe(400)
	})
})

describe('GET/PATCH/DELETE /v1/sources/:id', () => {
	it('gets one source with its url', async () => {
		const src = await create({ name: 'g', slug: 'get-me' })
		const res = await t.call('GET', `/v1/sources/${src.id}`)
		expect(res.status).toBe(200)
		expect(((await res.json()) as { source: Src }).source).toEqual(src)
	})

	it('404 for unknown and malformed ids', async () => {
		for (const id of ['src_00000000000000000000000000000000', 'nope']) {
			const res = await t.call('GET', `/v1/sources/${id}`)
			expect(res.status).toBe(404)
			expect(await res.json()).toMatchObject({ error: 'Source not found', status: 404 })
		}
	})

	it('changes only the fields sent', async () => {
		const src = await create({ name: 'before', slug: 'patch-me', description: 'keep', dedup_strategy: 'header_field', dedup_field: 'X-Id' })
		await Bun.sleep(2)
		const res = await t.call('PATCH', `/v1/sources/${src.id}`, { body: { name: 'after' } })
		expect(res.status).toBe(200)
		const after = ((await res.json()) as { source: Src }).source
		expect(after.name).toBe('after')
		expect(String(after.updated_at) > String(src.updated_at)).toBe(true)
		const { name: _n, updated_at: _u, ...rest } = after
		const { name: _n2, updated_at: _u2, ...restBefore } = src
		expect(rest).toEqual(restBefore)
	})

	it('updates verification, dedup, IP lists, status and schema settings', async () => {
		const src = await create({ name: 'v', slug: 'patch-all' })
		const res = await t.call('PATCH', `/v1/sources/${src.id}`, {
			body: {
				verification_type: 'hmac_sha256', verification_secret: 'abcdefghijkl', verification_header: 'X-Sig',
				verification_config: '{"encoding":"base64"}', dedup_strategy: 'body_field', dedup_field: '$.data.id', dedup_window_seconds: 60,
				ip_denylist: ['10.0.0.0/8'], status: 'paused', schema_validation_enabled: true,
				json_schema: { type: 'object', required: ['id'] }, schema_action: 'warn'
			}
		})
		expect(res.status).toBe(200)
		expect(((await res.json()) as { source: Src }).source).toMatchObject({
			verification_enabled: 1, verification_type: 'hmac_sha256', verification_secret: '****ijkl', verification_header: 'X-Sig',
			verification_config: '{"encoding":"base64"}', dedup_enabled: 1, dedup_strategy: 'body_field', dedup_field: '$.data.id',
			dedup_window_seconds: 60, ip_denylist: '["10.0.0.0/8"]', status: 'paused', schema_validation_enabled: 1,
			json_schema: '{"type":"object","required":["id"]}', schema_action: 'warn'
		})
	})

	it('clears nullable fields with null and keeps the secret when not sent', async () => {
		const src = await create({ name: 'c', slug: 'clear-me', description: 'd', verification_type: 'hmac_sha1', verification_secret: 'keep-this-one', ip_allowlist: ['1.2.3.4'] })
		const res = await t.call('PATCH', `/v1/sources/${src.id}`, { body: { description: null, ip_allowlist: null, verification_header: 'X-Hub-Signature' } })
		const after = ((await res.json()) as { source: Src }).source
		expect(after).toMatchObject({ description: null, ip_allowlist: null, verification_secret: '****-one', verification_type: 'hmac_sha1' })
	})

	it('rejects bad patches with 400 and changes nothing', async () => {
		const src = await create({ name: 'b', slug: 'bad-patch' })
		for (const body of [{}, { status: 'gone' }, { slug: 'renamed' }, { verification_type: 'hmac_sha256' }, { ip_allowlist: ['x'] }, { verification_config: 'not json' }, { dedup_strategy: 'body_field' }]) {
			const res = await t.call('PATCH', `/v1/sources/${src.id}`, { body })
			expect({ body, status: res.status }).toEqual({ body, status: 400 })
		}
		const now = ((await (await t.call('GET', `/v1/sources/${src.id}`)).json()) as { source: Src }).source
		expect(now).toEqual(src)
	})

	it('deletes, then 404', async () => {
		const src = await create({ name: 'd', slug: 'delete-me' })
		const res = await t.call('DELETE', `/v1/sources/${src.id}`)
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ success: true })
		expect((await t.call('GET', `/v1/sources/${src.id}`)).status).toBe(404)
		expect((await t.call('DELETE', `/v1/sources/${src.id}`)).status).toBe(404)
		// The slug is free again.
		expect((await t.call('POST', '/v1/sources', { body: { name: 'd', slug: 'delete-me' } })).status).toBe(201)
	})
})

describe('bare 32-hex ids', () => {
	it('are accepted wherever a prefixed id is, as hookstream.io path parameters show them', async () => {
		const src = await create({ name: 'bare', slug: 'bare-id' })
		const bare = src.id.slice(4)
		const got = await t.call('GET', `/v1/sources/${bare}`)
		expect(got.status).toBe(200)
		expect(((await got.json()) as { source: Src }).source.id).toBe(src.id)
		const ingested = await t.call('POST', `/v1/ingest/${bare}`, { key: null, body: '{}' })
		expect(ingested.status).toBe(200)
		expect(((await ingested.json()) as { source_id: string }).source_id).toBe(src.id)
		expect((await t.call('GET', '/v1/sources/0123')).status).toBe(404)
	})
})
