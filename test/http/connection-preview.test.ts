import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeTestApp, otherTenantKey, type TestApp } from '../helpers'

let t: TestApp
let eventId: string
let textEventId: string
const PREVIEW = '/v1/connections/transform-preview'

async function ingest(sourceId: string, body: string, contentType: string): Promise<string> {
	const res = await t.call('POST', `/v1/ingest/${sourceId}`, { key: null, body, headers: { 'content-type': contentType, 'x-kind': 'order' } })
	expect(res.status).toBe(200)
	return ((await res.json()) as { event_id: string }).event_id
}

beforeAll(async () => {
	t = await makeTestApp()
	const res = await t.call('POST', '/v1/sources', { body: { name: 'Shop', slug: 'shop' } })
	const { source } = (await res.json()) as { source: { id: string } }
	eventId = await ingest(source.id, JSON.stringify({ type: 'order.created', data: { id: 'o_1', total: 42 } }), 'application/json')
	textEventId = await ingest(source.id, 'plain words', 'text/plain')
})
afterAll(() => t.close())

const preview = (body: unknown, key?: string) => t.call('POST', PREVIEW, { body, key })

describe('POST /v1/connections/transform-preview', () => {
	it('runs the JSONata transform on the stored event and says whether the filters match', async () => {
		const res = await preview({ event_id: eventId, filter_rules: [{ field: 'payload.type', op: 'eq', value: 'order.created' }, { field: 'headers.x-kind', op: 'eq', value: 'order' }], transform_expression: '{"order": data.id, "cents": data.total * 100}' })
		expect(res.status).toBe(200)
		expect(await res.json()).toEqual({ event_id: eventId, matched: true, output: { order: 'o_1', cents: 4200 }, transform_error: null })
	})

	it('a filter that does not match says so; without a transform the output is the payload as is', async () => {
		const res = await preview({ event_id: eventId, filter_rules: [{ field: 'payload.data.total', op: 'gt', value: 100 }] })
		expect(await res.json()).toEqual({ event_id: eventId, matched: false, output: { type: 'order.created', data: { id: 'o_1', total: 42 } }, transform_error: null })
	})

	it('a transform that fails on this event, or a body that is not JSON, is an outcome (200 with transform_error)', async () => {
		const failing = await (await preview({ event_id: eventId, transform_expression: '$error("no refunds here")' })).json()
		expect(failing).toMatchObject({ matched: true, output: null, transform_error: expect.stringContaining('no refunds here') })
		const text = await (await preview({ event_id: textEventId, transform_expression: '{"a": 1}' })).json()
		expect(text).toMatchObject({ output: null, transform_error: expect.stringContaining('not JSON') })
	})

	it('an expression that does not parse and a bad rule are 400s naming the field, like on create', async () => {
		const syntax = await preview({ event_id: eventId, transform_expression: '{"a": ' })
		expect(syntax.status).toBe(400)
		expect(((await syntax.json()) as { error: string }).error).toContain('transform_expression')
		const rule = await preview({ event_id: eventId, filter_rules: [{ field: 'nonsense', op: 'eq', value: 1 }] })
		expect(rule.status).toBe(400)
		expect(((await rule.json()) as { error: string }).error).toContain('filter_rules.0.field')
	})

	it('an unknown event, or another tenant\'s, is a 404; no event id is a 400; no credentials a 401', async () => {
		expect((await preview({ event_id: 'evt_00000000000000000000000000000000' })).status).toBe(404)
		const other = await otherTenantKey(t)
		const foreign = await preview({ event_id: eventId }, other.key)
		expect(foreign.status).toBe(404)
		expect(await foreign.json()).toMatchObject({ status: 404, request_id: expect.any(String) })
		expect((await preview({})).status).toBe(400)
		expect((await t.call('POST', PREVIEW, { body: { event_id: eventId }, key: null })).status).toBe(401)
	})
})
