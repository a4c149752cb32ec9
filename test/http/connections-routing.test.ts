import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { TestApp } from '../helpers'
import { type Conn, type ConnFixture, connectionFixture } from './connections-fixtures'

let f: ConnFixture
let t: TestApp
beforeAll(async () => {
	f = await connectionFixture()
	t = f.t
})
afterAll(() => t.close())

describe('service hooks for ingest and delivery', () => {
	it('onChange fires with the source id after create, update and delete', async () => {
		const seen: string[] = []
		t.ctx.connections.onChange((id) => seen.push(id))
		const c = await f.create()
		await t.call('PATCH', `/v1/connections/${c.id}`, { body: { name: 'renamed' } })
		await t.call('DELETE', `/v1/connections/${c.id}`)
		expect(seen).toEqual([f.src.id, f.src.id, f.src.id])
		await t.call('PATCH', `/v1/connections/${c.id}`, { body: { name: 'gone' } })
		expect(seen).toHaveLength(3)
	})

	it('activeRoutes lists only active, enabled connections to destinations that are not disabled, filters compiled', async () => {
		const s = await f.source('routes')
		const d = await f.destination('routes-dst')
		const paused = await f.destination('paused-dst')
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
		// A paused destination holds its deliveries in the queue; only a disabled one stops routing.
		await f.setDestinationStatus(paused.id, 'disabled')

		const routes = await t.ctx.connections.activeRoutes(s.id)
		expect(routes.map((r) => r.connectionId)).toEqual([plain.id, filtered.id])
		expect(routes.map((r) => r.connectionId)).not.toContain(toPaused.id)
		expect(routes[0]).toMatchObject({ destinationId: d.id, orgId: f.src.org_id, envId: f.src.env_id })
		const input = { payload: { type: 'order.created' }, headers: { 'x-kind': 'a' }, method: 'POST', content_type: 'application/json', source_ip: null }
		expect(routes.map((r) => r.matches(input))).toEqual([true, true])
		expect(routes.map((r) => r.matches({ ...input, headers: {} }))).toEqual([true, false])
		expect(await t.ctx.connections.activeRoutes('src_00000000000000000000000000000000')).toEqual([])
	})

	it('findForDelivery returns the row and its compiled transform when enabled', async () => {
		const withTf = await f.create({ transform_expression: '{"kind": type}' })
		const off = await f.create({ transform_expression: '{"kind": type}', transform_enabled: false })
		const got = await t.ctx.connections.findForDelivery(withTf.id)
		expect(got?.row).toMatchObject({ id: withTf.id, source_id: f.src.id, destination_id: f.dst.id, transform_enabled: 1 })
		expect(typeof got?.row.created_at).toBe('number')
		expect(await got?.transform?.apply({ type: 'a' })).toEqual({ kind: 'a' })
		expect((await t.ctx.connections.findForDelivery(off.id))?.transform).toBeNull()
		expect(await t.ctx.connections.findForDelivery('conn_00000000000000000000000000000000')).toBeNull()
	})
})
