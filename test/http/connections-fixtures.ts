import { expect } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'

export type Conn = Record<string, unknown> & { id: string; source_id: string; destination_id: string }
export type Err = { error: string; status: number; details?: { path: string; message: string }[] }
type Src = { id: string; org_id: string; env_id: string }

/** The reference's Connection row keys, in order. */
export const KEYS = [
	'id', 'org_id', 'env_id', 'source_id', 'destination_id', 'name', 'description', 'enabled', 'filter_rules', 'status',
	'event_count', 'last_event_at', 'created_at', 'updated_at', 'transform_enabled', 'transform_expression', 'source_name', 'destination_name'
]

/** A test app with a second tenant, one source ("Stripe Webhooks") and one destination ("Backend API"). */
export interface ConnFixture {
	t: TestApp
	other: { key: string; orgId: string; envId: string }
	src: Src
	dst: { id: string }
	source(name: string, key?: string): Promise<Src>
	destination(name: string, key?: string): Promise<{ id: string }>
	setDestinationStatus(id: string, status: string): Promise<void>
	/** POST a connection from `src` to `dst` (overridable); expects 201. */
	create(body?: Record<string, unknown>): Promise<Conn>
}

export async function connectionFixture(): Promise<ConnFixture> {
	const t = await makeTestApp()
	let n = 0
	const source = async (name: string, key?: string): Promise<Src> => {
		const res = await t.call('POST', '/v1/sources', { body: { name, slug: `src-${++n}` }, key })
		expect(res.status).toBe(201)
		return ((await res.json()) as { source: Src }).source
	}
	const destination = async (name: string, key?: string): Promise<{ id: string }> => {
		const res = await t.call('POST', '/v1/destinations', { body: { name, slug: `dst-${++n}`, url: 'https://example.com/hook' }, key })
		expect(res.status).toBe(201)
		return ((await res.json()) as { destination: { id: string } }).destination
	}
	const setDestinationStatus = async (id: string, status: string): Promise<void> => {
		const res = await t.call('PATCH', `/v1/destinations/${id}`, { body: { status } })
		expect(res.status).toBe(200)
	}
	const other = await otherTenantKey(t)
	const src = await source('Stripe Webhooks')
	const dst = await destination('Backend API')
	const create = async (body: Record<string, unknown> = {}): Promise<Conn> => {
		const res = await t.call('POST', '/v1/connections', { body: { source_id: src.id, destination_id: dst.id, name: 'Orders', ...body } })
		expect(res.status).toBe(201)
		return ((await res.json()) as { connection: Conn }).connection
	}
	return { t, other, src, dst, source, destination, setDestinationStatus, create }
}
