import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'

type Conn = Record<string, unknown> & { id: string; source_id: string; destination_id: string }
type Err = { error: string; status: number; details?: { path: string; message: string }[] }

let t: TestApp
let other: { key: string; orgId: string; envId: string }
let src: { id: string; org_id: string; env_id: string }
let dst: { id: string }
let n = 0

beforeAll(async () => {
	t = await makeTestApp()
	other = await otherTenantKey(t)
	src = await source('Stripe Webhooks')
	dst = await destination('Backend API')
})
afterAll(() => t.close())

async function source(name: string, key?: string): Promise<{ id: string; org_id: string; env_id: string }> {
	const res = await t.call('POST', '/v1/sources', { body: { name, slug: `src-${++n}` }, key })
	expect(res.status).toBe(201)
	return ((await res.json()) as { source: { id: string; org_id: string; env_id: string } }).source
}

/** Through the Destinations API; a raw insert only while that API is not mounted. */
async function destination(name: string, key?: string): Promise<{ id: string }> {
	const slug = `dst-${++n}`
	const res = await t.call('POST', '/v1/destinations', { body: { name, slug, url: 'https://example.com/hook' }, key })
	if (res.status !== 404) {
		expect(res.status).toBe(201)
		return ((await res.json()) as { destination: { id: string } }).destination
	}
	const owner = await source(`owner-${n}`, key)
	const id = `dst_${Bun.randomUUIDv7('hex').replaceAll('-', '')}`
	const db = new Database(join(t.dir, 'hookstream.db'))
	db.run('PRAGMA busy_timeout = 5000')
	db.query('INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)')
		.run(id, owner.org_id, owner.env_id, name, slug, 'https://example.com/hook', Date.now())
	db.close()
	return { id }
}

async function setDestinationStatus(id: string, status: string): Promise<void> {
	const res = await t.call('PATCH', `/v1/destinations/${id}`, { body: { status } })
	if (res.status === 200) return
	const db = new Database(join(t.dir, 'hookstream.db'))
	db.run('PRAGMA busy_timeout = 5000')
	db.query('UPDATE destinations SET status = ?1 WHERE id = ?2').run(status, id)
	db.close()
}

async function create(body: Record<string, unknown> = {}): Promise<Conn> {
	const res = await t.call('POST', '/v1/connections', { body: { source_id: src.id, destination_id: dst.id, name: 'Orders', ...body } })
	expect(res.status).toBe(201)
	return ((await res.json()) as { connection: Conn }).connection
}

const KEYS = [
	'id', 'org_id', 'env_id', 'source_id', 'destination_id', 'name', 'description', 'enabled', 'filter_rules', 'status',
	'event_count', 'last_event_at', 'created_at', 'updated_at', 'transform_enabled', 'transform_expression', 'source_name', 'destination_name'
]
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe('POST /v1/connections', () => {
	it('creates the reference row with defaults', async () => {
		const res = await t.call('POST', '/v1/connections', { body: { source_id: src.id, destination_id: dst.id, name: 'Orders' } })
		expect(res.status).toBe(201)
		const body = (await res.json()) as { connection: Conn }
		expect(Object.keys(body)).toEqual(['connection'])
		const c = body.connection
		expect(Object.keys(c)).toEqual(KEYS)
		expect(c.id).toMatch(/^conn_[0-9a-f]{32}$/)
		expect(c).toMatchObject({
			org_id: src.org_id, env_id: src.env_id, source_id: src.id, destination_id: dst.id, name: 'Orders',
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
		const c = await create({ description: 'Only pushes', enabled: false, filter_rules: rules, transform_expression: '{"id": id}', org_id: src.org_id, env_id: src.env_id })
		expect(typeof c.filter_rules).toBe('string')
		expect(JSON.parse(c.filter_rules as string)).toEqual(rules)
		expect(c).toMatchObject({ description: 'Only pushes', enabled: 0, transform_enabled: 1, transform_expression: '{"id": id}' })
	})

	it('keeps transform_enabled off when asked; no rules reads as null', async () => {
		const c = await create({ transform_expression: '$', transform_enabled: false, filter_rules: [] })
		expect(c).toMatchObject({ transform_enabled: 0, transform_expression: '$', filter_rules: null })
		expect((await create({ filter_rules: null, description: null })).filter_rules).toBeNull()
	})

	it('404 when the source or destination is unknown, malformed or in another environment', async () => {
		const foreignSrc = await source('foreign', other.key)
		const foreignDst = await destination('foreign', other.key)
		const cases = [
			{ source_id: 'src_00000000000000000000000000000000', destination_id: dst.id },
			{ source_id: src.id, destination_id: 'dst_00000000000000000000000000000000' },
			{ source_id: 'nope', destination_id: dst.id },
			{ source_id: src.id, destination_id: src.id },
			{ source_id: foreignSrc.id, destination_id: dst.id },
			{ source_id: src.id, destination_id: foreignDst.id }
		]
		for (const ids of cases) {
			const res = await t.call('POST', '/v1/connections', { body: { ...ids, name: 'x' } })
			expect(res.status).toBe(404)
			expect(await res.json()).toMatchObject({ error: 'Source or destination not found', status: 404 })
		}
	})

	it('403 when org_id or env_id names another tenant', async () => {
		for (const scope of [{ org_id: other.orgId }, { env_id: other.envId }]) {
			const res = await t.call('POST', '/v1/connections', { body: { source_id: src.id, destination_id: dst.id, name: 'x', ...scope } })
			expect(res.status).toBe(403)
		}
		expect((await t.call('GET', `/v1/connections?env_id=${other.envId}`)).status).toBe(403)
	})
})

const rule = (r: Record<string, unknown>) => ({ filter_rules: [r] })

/** [case, body overrides, JSON pointer the 400 must name] */
const INVALID: [string, Record<string, unknown>, string][] = [
	['source_id missing', { source_id: undefined }, '/source_id'],
	['destination_id missing', { destination_id: undefined }, '/destination_id'],
	['name missing', { name: undefined }, '/name'],
	['name empty', { name: '' }, '/name'],
	['name too long', { name: 'n'.repeat(201) }, '/name'],
	['name not a string', { name: 7 }, '/name'],
	['description not a string', { description: 5 }, '/description'],
	['enabled not boolean', { enabled: 1 }, '/enabled'],
	['transform_enabled not boolean', { transform_enabled: 'yes' }, '/transform_enabled'],
	['filter_rules not an array', { filter_rules: { field: 'method' } }, '/filter_rules'],
	['filter rule not an object', { filter_rules: ['method'] }, '/filter_rules/0'],
	['filter rule without field', rule({ op: 'eq', value: 1 }), '/filter_rules/0/field'],
	['filter rule field not a string', rule({ field: 1, op: 'eq', value: 1 }), '/filter_rules/0/field'],
	['filter rule without op', rule({ field: 'method', value: 1 }), '/filter_rules/0/op'],
	['filter rule unknown op', rule({ field: 'method', op: 'like', value: 'P' }), '/filter_rules/0/op'],
	['filter rule unknown key', rule({ field: 'method', op: 'eq', value: 'P', extra: 1 }), '/filter_rules/0/extra'],
	['filter rule unknown field root', rule({ field: 'body.type', op: 'eq', value: 1 }), '/filter_rules/0/field'],
	['filter rule bad header name', rule({ field: 'headers.a b', op: 'eq', value: 1 }), '/filter_rules/0/field'],
	['filter rule without value', rule({ field: 'method', op: 'eq' }), '/filter_rules/0/value'],
	['gt with a string', rule({ field: 'payload.a', op: 'gt', value: '1' }), '/filter_rules/0/value'],
	['lte with null', rule({ field: 'payload.a', op: 'lte', value: null }), '/filter_rules/0/value'],
	['contains with a number', rule({ field: 'payload.a', op: 'contains', value: 1 }), '/filter_rules/0/value'],
	['in with a string', rule({ field: 'payload.a', op: 'in', value: 'a' }), '/filter_rules/0/value'],
	['in with an object member', rule({ field: 'payload.a', op: 'in', value: [{}] }), '/filter_rules/0/value/0'],
	['exists with a string', rule({ field: 'payload.a', op: 'exists', value: 'true' }), '/filter_rules/0/value'],
	['eq with an object', rule({ field: 'payload.a', op: 'eq', value: { a: 1 } }), '/filter_rules/0/value'],
	['51 filter rules', { filter_rules: Array(51).fill({ field: 'method', op: 'eq', value: 'POST' }) }, '/filter_rules'],
	['transform enabled without expression', { transform_enabled: true }, '/transform_expression'],
	['transform_expression empty', { transform_expression: '' }, '/transform_expression'],
	['transform_expression blank', { transform_expression: '  ' }, '/transform_expression'],
	['transform_expression not a string', { transform_expression: 5 }, '/transform_expression'],
	['transform_expression syntax error', { transform_expression: '{"a": id' }, '/transform_expression'],
	['status is not a create field', { status: 'paused' }, '/status'],
	['unknown field', { colour: 'blue' }, '/colour']
]

describe('POST /v1/connections validation', () => {
	for (const [name, overrides, path] of INVALID) {
		it(`400 for ${name}, naming ${path}`, async () => {
			const body: Record<string, unknown> = { source_id: src.id, destination_id: dst.id, name: 'x', ...overrides }
			for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k]
			const res = await t.call('POST', '/v1/connections', { body })
			expect(res.status).toBe(400)
			const json = (await res.json()) as Err
			expect(json.status).toBe(400)
			expect(json.details?.map((d) => d.path)).toContain(path)
		})
	}

	it("a JSONata syntax error carries JSONata's message", async () => {
		const res = await t.call('POST', '/v1/connections', { body: { source_id: src.id, destination_id: dst.id, name: 'x', transform_expression: '{"a": id' } })
		const json = (await res.json()) as Err
		expect(json.error).toStartWith("Invalid body: 'transform_expression' is not a valid JSONata expression: Expected \"}\" before end of expression")
		expect(json.details).toEqual([{ path: '/transform_expression', message: expect.stringContaining('position 8') }])
	})

	it('reports every bad filter rule, the message naming the first', async () => {
		const res = await t.call('POST', '/v1/connections', {
			body: { source_id: src.id, destination_id: dst.id, name: 'x', filter_rules: [{ field: 'method', op: 'eq', value: 'POST' }, { field: 'x', op: 'gt', value: 'y' }] }
		})
		const json = (await res.json()) as Err
		expect(json.error).toBe("Invalid body: 'filter_rules.1.field' must be payload.<path>, headers.<name>, method, content_type or source_ip")
		expect(json.details?.map((d) => d.path)).toEqual(['/filter_rules/1/field', '/filter_rules/1/value'])
	})
})

describe('GET /v1/connections', () => {
	let s2: { id: string }
	let d2: { id: string }
	const ids: string[] = []

	beforeAll(async () => {
		s2 = await source('List source')
		d2 = await destination('List destination')
		for (let i = 0; i < 23; i++) {
			const res = await t.call('POST', '/v1/connections', { body: { source_id: s2.id, destination_id: i % 2 ? d2.id : dst.id, name: `l${i}` } })
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
		expect(byDst.connections.every((c) => c.destination_name === 'List destination')).toBe(true)
		const both = (await (await t.call('GET', `/v1/connections?source_id=${s2.id}&destination_id=${dst.id}&limit=100`)).json()) as { connections: Conn[] }
		expect(both.connections.map((c) => c.id)).toEqual(ids.filter((_, i) => i % 2 === 0).reverse())
		const none = (await (await t.call('GET', '/v1/connections?source_id=src_00000000000000000000000000000000')).json()) as { connections: Conn[]; cursor: null; has_more: boolean }
		expect(none).toEqual({ connections: [], cursor: null, has_more: false })
	})

	it('rejects a bad limit, a forged cursor and unknown query fields', async () => {
		for (const q of ['limit=101', 'limit=0', 'limit=abc', 'cursor=bm90LWFuLWlk', 'colour=blue']) {
			expect((await t.call('GET', `/v1/connections?${q}`)).status).toBe(400)
		}
		const srcCursor = Buffer.from(src.id).toString('base64url')
		expect(await (await t.call('GET', `/v1/connections?cursor=${srcCursor}`)).json()).toMatchObject({ error: 'Invalid cursor' })
	})
})

describe('GET/PATCH/DELETE /v1/connections/:id', () => {
	it('gets one connection', async () => {
		const c = await create({ name: 'get-me' })
		const res = await t.call('GET', `/v1/connections/${c.id}`)
		expect(res.status).toBe(200)
		expect(((await res.json()) as { connection: Conn }).connection).toEqual(c)
	})

	it('404 for unknown and malformed ids', async () => {
		for (const id of ['conn_00000000000000000000000000000000', 'nope', src.id]) {
			for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'x' }], ['DELETE', undefined]] as const) {
				const res = await t.call(method, `/v1/connections/${id}`, { body })
				expect(res.status).toBe(404)
				expect(await res.json()).toMatchObject({ error: 'Connection not found', status: 404 })
			}
		}
	})

	it('changes only the fields sent', async () => {
		const rules = [{ field: 'method', op: 'eq', value: 'POST' }]
		const c = await create({ name: 'before', description: 'keep', filter_rules: rules })
		const res = await t.call('PATCH', `/v1/connections/${c.id}`, { body: { name: 'after' } })
		expect(res.status).toBe(200)
		const after = ((await res.json()) as { connection: Conn }).connection
		expect(after).toEqual({ ...c, name: 'after', updated_at: after.updated_at })
		expect(Date.parse(after.updated_at as string)).toBeGreaterThanOrEqual(Date.parse(c.updated_at as string))
		expect(((await (await t.call('GET', `/v1/connections/${c.id}`)).json()) as { connection: Conn }).connection).toEqual(after)
	})

	it('updates every patchable field; null clears', async () => {
		const c = await create({ description: 'd', filter_rules: [{ field: 'method', op: 'eq', value: 'POST' }] })
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
		const c = await create()
		const cases: [Record<string, unknown>, string][] = [
			[{ transform_enabled: true }, '/transform_expression'],
			[{ transform_expression: '{"a": id' }, '/transform_expression'],
			[{ filter_rules: [{ field: 'payload.a', op: 'gt', value: 'x' }] }, '/filter_rules/0/value'],
			[{ status: 'sleeping' }, '/status'],
			[{ name: '' }, '/name'],
			[{ source_id: src.id }, '/source_id'],
			[{ destination_id: dst.id }, '/destination_id'],
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
		const c = await create()
		const res = await t.call('DELETE', `/v1/connections/${c.id}`)
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ success: true })
		expect((await t.call('GET', `/v1/connections/${c.id}`)).status).toBe(404)
		expect((await t.call('DELETE', `/v1/connections/${c.id}`)).status).toBe(404)
	})

	it("another tenant's key sees 404 and cannot list it", async () => {
		const c = await create({ name: 'private' })
		for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'stolen' }], ['DELETE', undefined]] as const) {
			const res = await t.call(method, `/v1/connections/${c.id}`, { body, key: other.key })
			expect(res.status).toBe(404)
			expect(await res.json()).toMatchObject({ error: 'Connection not found' })
		}
		const list = (await (await t.call('GET', `/v1/connections?source_id=${src.id}`, { key: other.key })).json()) as { connections: Conn[] }
		expect(list.connections).toEqual([])
		expect(((await (await t.call('GET', `/v1/connections/${c.id}`)).json()) as { connection: Conn }).connection.name).toBe('private')
	})

	it('401 without a key', async () => {
		expect((await t.call('GET', '/v1/connections', { key: null })).status).toBe(401)
	})
})

describe('cascades', () => {
	it('deleting the source deletes its connections', async () => {
		const s = await source('doomed')
		const res = await t.call('POST', '/v1/connections', { body: { source_id: s.id, destination_id: dst.id, name: 'cascade' } })
		const c = ((await res.json()) as { connection: Conn }).connection
		expect((await t.call('DELETE', `/v1/sources/${s.id}`)).status).toBe(200)
		expect((await t.call('GET', `/v1/connections/${c.id}`)).status).toBe(404)
		const list = (await (await t.call('GET', `/v1/connections?source_id=${s.id}`)).json()) as { connections: Conn[] }
		expect(list.connections).toEqual([])
	})

	it('deleting the destination deletes its connections', async () => {
		const d = await destination('doomed')
		const res = await t.call('POST', '/v1/connections', { body: { source_id: src.id, destination_id: d.id, name: 'cascade' } })
		const c = ((await res.json()) as { connection: Conn }).connection
		const del = await t.call('DELETE', `/v1/destinations/${d.id}`)
		if (del.status === 404) return // Destinations API not mounted: nothing to delete through
		expect(del.status).toBe(200)
		expect((await t.call('GET', `/v1/connections/${c.id}`)).status).toBe(404)
	})
})

describe('service hooks for ingest and delivery', () => {
	it('onChange fires with the source id after create, update and delete', async () => {
		const seen: string[] = []
		t.ctx.connections.onChange((id) => seen.push(id))
		const c = await create()
		await t.call('PATCH', `/v1/connections/${c.id}`, { body: { name: 'renamed' } })
		await t.call('DELETE', `/v1/connections/${c.id}`)
		expect(seen).toEqual([src.id, src.id, src.id])
		await t.call('PATCH', `/v1/connections/${c.id}`, { body: { name: 'gone' } })
		expect(seen).toHaveLength(3)
	})

	it('activeRoutes lists only active, enabled connections to active destinations, filters compiled', async () => {
		const s = await source('routes')
		const d = await destination('routes-dst')
		const paused = await destination('paused-dst')
		const mk = async (body: Record<string, unknown>) => {
			const res = await t.call('POST', '/v1/connections', { body: { source_id: s.id, destination_id: d.id, name: 'r', ...body } })
			return ((await res.json()) as { connection: Conn }).connection
		}
		const plain = await mk({})
		const filtered = await mk({ filter_rules: [{ field: 'payload.type', op: 'eq', value: 'order.created' }, { field: 'headers.X-Kind', op: 'exists', value: true }] })
		await mk({ enabled: false })
		const p = await mk({})
		await t.call('PATCH', `/v1/connections/${p.id}`, { body: { status: 'paused' } })
		const toPaused = await mk({ destination_id: paused.id })
		await setDestinationStatus(paused.id, 'paused')

		const routes = await t.ctx.connections.activeRoutes(s.id)
		expect(routes.map((r) => r.connectionId)).toEqual([plain.id, filtered.id])
		expect(routes.map((r) => r.connectionId)).not.toContain(toPaused.id)
		expect(routes[0]).toMatchObject({ destinationId: d.id, orgId: src.org_id, envId: src.env_id })
		const input = { payload: { type: 'order.created' }, headers: { 'x-kind': 'a' }, method: 'POST', content_type: 'application/json', source_ip: null }
		expect(routes.map((r) => r.matches(input))).toEqual([true, true])
		expect(routes.map((r) => r.matches({ ...input, headers: {} }))).toEqual([true, false])
		expect(await t.ctx.connections.activeRoutes('src_00000000000000000000000000000000')).toEqual([])
	})

	it('findForDelivery returns the row and its compiled transform when enabled', async () => {
		const withTf = await create({ transform_expression: '{"kind": type}' })
		const off = await create({ transform_expression: '{"kind": type}', transform_enabled: false })
		const got = await t.ctx.connections.findForDelivery(withTf.id)
		expect(got?.row).toMatchObject({ id: withTf.id, source_id: src.id, destination_id: dst.id, transform_enabled: 1 })
		expect(typeof got?.row.created_at).toBe('number')
		expect(await got?.transform?.apply({ type: 'a' })).toEqual({ kind: 'a' })
		expect((await t.ctx.connections.findForDelivery(off.id))?.transform).toBeNull()
		expect(await t.ctx.connections.findForDelivery('conn_00000000000000000000000000000000')).toBeNull()
	})
})
