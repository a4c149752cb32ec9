import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { TestApp } from '../helpers'
import { type Conn, type ConnFixture, connectionFixture, type Err, KEYS } from './connections-fixtures'

let f: ConnFixture
let t: TestApp
beforeAll(async () => {
	f = await connectionFixture()
	t = f.t
})
afterAll(() => t.close())

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe('POST /v1/connections', () => {
	it('creates the reference row with defaults', async () => {
		const res = await t.call('POST', '/v1/connections', { body: { source_id: f.src.id, destination_id: f.dst.id, name: 'Orders' } })
		expect(res.status).toBe(201)
		const body = (await res.json()) as { connection: Conn }
		expect(Object.keys(body)).toEqual(['connection'])
		const c = body.connection
		expect(Object.keys(c)).toEqual(KEYS)
		expect(c.id).toMatch(/^conn_[0-9a-f]{32}$/)
		expect(c).toMatchObject({
			org_id: f.src.org_id, env_id: f.src.env_id, source_id: f.src.id, destination_id: f.dst.id, name: 'Orders',
			description: null, enabled: 1, filter_rules: null, status: 'active', event_count: 0, last_event_at: null,
			transform_enabled: 0, transform_expression: null, source_name: 'Stripe Webhooks', destination_name: 'Backend API'
		})
		expect(c.created_at).toMatch(ISO)
		expect(c.updated_at).toBe(c.created_at as string)
	})

	it('stores filter rules as a JSON string and takes every body field', async () => {
		const rules = [
			{ field: 'method', op: 'eq', value: 'POST' },
			{ field: 'headers.X-GitHub-Event', op: 'in', value: ['push', 'pull_request'] },
			{ field: 'payload.repository.private', op: 'eq', value: false },
			{ field: 'payload.amount', op: 'gte', value: 100 },
			{ field: 'payload.note', op: 'exists', value: true }
		]
		const c = await f.create({ description: 'Only pushes', enabled: false, filter_rules: rules, transform_expression: '{"id": id}', org_id: f.src.org_id, env_id: f.src.env_id })
		expect(typeof c.filter_rules).toBe('string')
		expect(JSON.parse(c.filter_rules as string)).toEqual(rules)
		expect(c).toMatchObject({ description: 'Only pushes', enabled: 0, transform_enabled: 1, transform_expression: '{"id": id}' })
	})

	it('keeps transform_enabled off when asked; no rules reads as null', async () => {
		const c = await f.create({ transform_expression: '$', transform_enabled: false, filter_rules: [] })
		expect(c).toMatchObject({ transform_enabled: 0, transform_expression: '$', filter_rules: null })
		expect((await f.create({ filter_rules: null, description: null })).filter_rules).toBeNull()
	})

	it('404 when the source or destination is unknown, malformed or in another environment', async () => {
		const foreignSrc = await f.source('foreign', f.other.key)
		const foreignDst = await f.destination('foreign', f.other.key)
		const cases = [
			{ source_id: 'src_00000000000000000000000000000000', destination_id: f.dst.id },
			{ source_id: f.src.id, destination_id: 'dst_00000000000000000000000000000000' },
			{ source_id: 'nope', destination_id: f.dst.id },
			{ source_id: f.src.id, destination_id: f.src.id },
			{ source_id: foreignSrc.id, destination_id: f.dst.id },
			{ source_id: f.src.id, destination_id: foreignDst.id }
		]
		for (const ids of cases) {
			const res = await t.call('POST', '/v1/connections', { body: { ...ids, name: 'x' } })
			expect(res.status).toBe(404)
			expect(await res.json()).toMatchObject({ error: 'Source or destination not found', status: 404 })
		}
	})

	it('403 when org_id or env_id names another tenant', async () => {
		for (const scope of [{ org_id: f.other.orgId }, { env_id: f.other.envId }]) {
			const res = await t.call('POST', '/v1/connections', { body: { source_id: f.src.id, destination_id: f.dst.id, name: 'x', ...scope } })
			expect(res.status).toBe(403)
		}
		expect((await t.call('GET', `/v1/connections?env_id=${f.other.envId}`)).status).toBe(403)
	})
})

describe('GET /v1/connections', () => {
	let s2: { id: string }
	let d2: { id: string }
	const ids: string[] = []

	beforeAll(async () => {
		s2 = await f.source('List source')
		d2 = await f.destination('List destination')
		for (let i = 0; i < 23; i++) {
			const res = await t.call('POST', '/v1/connections', { body: { source_id: s2.id, destination_id: i % 2 ? d2.id : f.dst.id, name: `l${i}` } })
			ids.push(((await res.json()) as { connection: Conn }).connection.id)
		}
	})

	it('pages newest first with no duplicates or gaps', async () => {
		const seen: string[] = []
		let cursor: string | null = null
		let pages = 0
		do {
			const res = await t.call('GET', `/v1/connections?source_id=${s2.id}&limit=5${cursor ? `&cursor=${cursor}` : ''}`)
			expect(res.status).toBe(200)
			const body = (await res.json()) as { connections: Conn[]; cursor: string | null; has_more: boolean }
			expect(Object.keys(body)).toEqual(['connections', 'cursor', 'has_more'])
			expect(body.has_more).toBe(body.cursor !== null)
			seen.push(...body.connections.map((c) => c.id))
			cursor = body.cursor
			pages++
		} while (cursor)
		expect(pages).toBe(5)
		expect(seen).toEqual([...ids].reverse())
	})

	it('defaults to 20 per page, with names and the row shape', async () => {
		const body = (await (await t.call('GET', `/v1/connections?source_id=${s2.id}`)).json()) as { connections: Conn[]; has_more: boolean }
		expect(body.connections).toHaveLength(20)
		expect(body.has_more).toBe(true)
		expect(Object.keys(body.connections[0] ?? {})).toEqual(KEYS)
		expect(body.connections[0]?.source_name).toBe('List source')
	})

	it('filters by destination_id, and by both', async () => {
		const byDst = (await (await t.call('GET', `/v1/connections?destination_id=${d2.id}&limit=100`)).json()) as { connections: Conn[] }
		expect(byDst.connections.map((c) => c.id)).toEqual(ids.filter((_, i) => i % 2).reverse())
		expect(byDst.connections.length).toBeGreaterThan(0)
		expect(byDst.connections.every((c) => c.destination_name === 'List destination')).toBe(true)
		const both = (await (await t.call('GET', `/v1/connections?source_id=${s2.id}&destination_id=${f.dst.id}&limit=100`)).json()) as { connections: Conn[] }
		expect(both.connections.map((c) => c.id)).toEqual(ids.filter((_, i) => i % 2 === 0).reverse())
		const none = (await (await t.call('GET', '/v1/connections?source_id=src_00000000000000000000000000000000')).json()) as { connections: Conn[]; cursor: null; has_more: boolean }
		expect(none).toEqual({ connections: [], cursor: null, has_more: false })
	})

	it('rejects a bad limit, a forged cursor and unknown query fields', async () => {
		for (const q of ['limit=101', 'limit=0', 'limit=abc', 'cursor=bm90LWFuLWlk', 'limt=5']) {
			expect((await t.call('GET', `/v1/connections?${q}`)).status).toBe(400)
		}
		const srcCursor = Buffer.from(f.src.id).toString('base64url')
		expect(await (await t.call('GET', `/v1/connections?cursor=${srcCursor}`)).json()).toMatchObject({ error: 'Invalid cursor' })
	})
})

describe('GET/PATCH/DELETE /v1/connections/:id', () => {
	it('gets one connection', async () => {
		const c = await f.create({ name: 'get-me' })
		const res = await t.call('GET', `/v1/connections/${c.id}`)
		expect(res.status).toBe(200)
		expect(((await res.json()) as { connection: Conn }).connection).toEqual(c)
	})

	it('404 for unknown and malformed ids', async () => {
		for (const id of ['conn_00000000000000000000000000000000', 'nope', f.src.id]) {
			for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'x' }], ['DELETE', undefined]] as const) {
				const res = await t.call(method, `/v1/connections/${id}`, { body })
				expect(res.status).toBe(404)
				expect(await res.json()).toMatchObject({ error: 'Connection not found', status: 404 })
			}
		}
	})

	it('changes only the fields sent', async () => {
		const rules = [{ field: 'method', op: 'eq', value: 'POST' }]
		const c = await f.create({ name: 'before', description: 'keep', filter_rules: rules })
		const res = await t.call('PATCH', `/v1/connections/${c.id}`, { body: { name: 'after' } })
		expect(res.status).toBe(200)
		const after = ((await res.json()) as { connection: Conn }).connection
		expect(after).toEqual({ ...c, name: 'after', updated_at: after.updated_at })
		expect(Date.parse(after.updated_at as string)).toBeGreaterThanOrEqual(Date.parse(c.updated_at as string))
		expect(((await (await t.call('GET', `/v1/connections/${c.id}`)).json()) as { connection: Conn }).connection).toEqual(after)
	})

	it('updates every patchable field; null clears', async () => {
		const c = await f.create({ description: 'd', filter_rules: [{ field: 'method', op: 'eq', value: 'POST' }] })
		const patch = async (body: Record<string, unknown>) => {
			const res = await t.call('PATCH', `/v1/connections/${c.id}`, { body })
			expect(res.status).toBe(200)
			return ((await res.json()) as { connection: Conn }).connection
		}
		expect(await patch({ description: null, filter_rules: null })).toMatchObject({ description: null, filter_rules: null })
		const rules = [{ field: 'payload.type', op: 'contains', value: 'order' }]
		expect(JSON.parse((await patch({ filter_rules: rules })).filter_rules as string)).toEqual(rules)
		expect(await patch({ filter_rules: [] })).toMatchObject({ filter_rules: null })
		expect(await patch({ status: 'paused', enabled: false })).toMatchObject({ status: 'paused', enabled: 0 })
		expect(await patch({ status: 'disabled', enabled: true })).toMatchObject({ status: 'disabled', enabled: 1 })
		expect(await patch({ transform_expression: '{"x": 1}' })).toMatchObject({ transform_expression: '{"x": 1}', transform_enabled: 1 })
		expect(await patch({ transform_enabled: false })).toMatchObject({ transform_expression: '{"x": 1}', transform_enabled: 0 })
		expect(await patch({ transform_enabled: true })).toMatchObject({ transform_enabled: 1 })
		expect(await patch({ transform_expression: null })).toMatchObject({ transform_expression: null, transform_enabled: 0 })
		expect(await patch({ transform_expression: '$', transform_enabled: false })).toMatchObject({ transform_expression: '$', transform_enabled: 0 })
	})

	it('validates a patch like a create', async () => {
		const c = await f.create()
		const cases: [Record<string, unknown>, string][] = [
			[{ transform_enabled: true }, '/transform_expression'],
			[{ transform_expression: '{"a": id' }, '/transform_expression'],
			[{ filter_rules: [{ field: 'payload.a', op: 'gt', value: 'x' }] }, '/filter_rules/0/value'],
			[{ status: 'sleeping' }, '/status'],
			[{ name: '' }, '/name'],
			[{ source_id: f.src.id }, '/source_id'],
			[{ destination_id: f.dst.id }, '/destination_id'],
			[{}, '/']
		]
		for (const [body, path] of cases) {
			const res = await t.call('PATCH', `/v1/connections/${c.id}`, { body })
			expect(res.status).toBe(400)
			expect(((await res.json()) as Err).details?.map((d) => d.path)).toContain(path)
		}
		expect(((await (await t.call('GET', `/v1/connections/${c.id}`)).json()) as { connection: Conn }).connection).toEqual(c)
	})

	it('deletes, then 404', async () => {
		const c = await f.create()
		const res = await t.call('DELETE', `/v1/connections/${c.id}`)
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ success: true })
		expect((await t.call('GET', `/v1/connections/${c.id}`)).status).toBe(404)
		expect((await t.call('DELETE', `/v1/connections/${c.id}`)).status).toBe(404)
	})

	it("another tenant's key sees 404 and cannot list it", async () => {
		const c = await f.create({ name: 'private' })
		for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'stolen' }], ['DELETE', undefined]] as const) {
			const res = await t.call(method, `/v1/connections/${c.id}`, { body, key: f.other.key })
			expect(res.status).toBe(404)
			expect(await res.json()).toMatchObject({ error: 'Connection not found' })
		}
		const list = (await (await t.call('GET', `/v1/connections?source_id=${f.src.id}`, { key: f.other.key })).json()) as { connections: Conn[] }
		expect(list.connections).toEqual([])
		expect(((await (await t.call('GET', `/v1/connections/${c.id}`)).json()) as { connection: Conn }).connection.name).toBe('private')
	})

	it('401 without a key', async () => {
		expect((await t.call('GET', '/v1/connections', { key: null })).status).toBe(401)
	})
})

describe('cascades', () => {
	it('deleting the source deletes its connections', async () => {
		const s = await f.source('doomed')
		const res = await t.call('POST', '/v1/connections', { body: { source_id: s.id, destination_id: f.dst.id, name: 'cascade' } })
		const c = ((await res.json()) as { connection: Conn }).connection
		expect((await t.call('DELETE', `/v1/sources/${s.id}`)).status).toBe(200)
		expect((await t.call('GET', `/v1/connections/${c.id}`)).status).toBe(404)
		const list = (await (await t.call('GET', `/v1/connections?source_id=${s.id}`)).json()) as { connections: Conn[] }
		expect(list.connections).toEqual([])
	})

	it('deleting the destination deletes its connections', async () => {
		const d = await f.destination('doomed')
		const res = await t.call('POST', '/v1/connections', { body: { source_id: f.src.id, destination_id: d.id, name: 'cascade' } })
		const c = ((await res.json()) as { connection: Conn }).connection
		const del = await t.call('DELETE', `/v1/destinations/${d.id}`)
		expect(del.status).toBe(200)
		expect((await t.call('GET', `/v1/connections/${c.id}`)).status).toBe(404)
	})
})
