import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { jsonDepthWithin, MAX_JSON_DEPTH } from '../../src/lib/json-depth'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`
const bytes = (text: string) => new TextEncoder().encode(text)

async function source(body: Record<string, unknown>): Promise<string> {
	const res = await t.call('POST', '/v1/sources', { body })
	expect(res.status).toBe(201)
	return ((await res.json()) as { source: { id: string } }).source.id
}

async function ingest(sourceId: string, body: string): Promise<Response> {
	return t.call('POST', `/v1/ingest/${sourceId}`, { key: null, body, headers: { 'content-type': 'application/json' } })
}

describe('jsonDepthWithin', () => {
	it('counts open arrays and objects, not brackets inside strings', () => {
		expect(jsonDepthWithin(bytes(nested(MAX_JSON_DEPTH)))).toBe(true)
		expect(jsonDepthWithin(bytes(nested(MAX_JSON_DEPTH + 1)))).toBe(false)
		expect(jsonDepthWithin(bytes(`{"a":${nested(2)},"b":${nested(2)}}`), 3)).toBe(true)
		expect(jsonDepthWithin(bytes(`{"a":${nested(3)}}`), 3)).toBe(false)
		expect(jsonDepthWithin(bytes(`["${'['.repeat(500)}", "\\"${'{'.repeat(500)}"]`))).toBe(true)
	})
})

describe('M1: a body nested 50,000 deep', () => {
	const deep = nested(50_000)

	it('is stored (200), read back as not-JSON (200, payload null) and served byte for byte', async () => {
		// body_field dedup makes ingest parse the body.
		const id = await source({ name: 'deep', slug: 'deep', dedup_strategy: 'body_field', dedup_field: 'id' })
		const res = await ingest(id, deep)
		expect(res.status).toBe(200)
		const { event_id } = (await res.json()) as { event_id: string }
		const reads = await Promise.all(Array.from({ length: 5 }, () => t.call('GET', `/v1/events/${event_id}`)))
		for (const read of reads) {
			expect(read.status).toBe(200)
			const { event } = (await read.json()) as { event: { payload: unknown; body: string; payload_size: number } }
			expect(event.payload).toBeNull()
			expect(event.body).toBe(deep)
			expect(event.payload_size).toBe(deep.length)
		}
		const raw = await t.call('GET', `/v1/events/${event_id}/raw`)
		expect(raw.status).toBe(200)
		expect(Buffer.from(await raw.arrayBuffer()).equals(Buffer.from(deep))).toBe(true)
	})

	it('a body just within the bound is still JSON', async () => {
		const id = await source({ name: 'within', slug: 'within' })
		const { event_id } = (await (await ingest(id, nested(MAX_JSON_DEPTH))).json()) as { event_id: string }
		const { event } = (await (await t.call('GET', `/v1/events/${event_id}`)).json()) as { event: { payload: unknown } }
		expect(JSON.stringify(event.payload)).toBe(nested(MAX_JSON_DEPTH))
	})
})

describe('L1: recursive JSON Schemas', () => {
	it('a recursive schema and a deeply nested body: 422, not 500', async () => {
		const id = await source({ name: 'rec', slug: 'rec', schema_validation_enabled: true, json_schema: { items: { $ref: '#' } } })
		const deep = await ingest(id, nested(50_000))
		expect(deep.status).toBe(422)
		expect(await deep.json()).toMatchObject({ status: 422, validation_errors: [{ path: '/' }] })
		expect((await ingest(id, nested(100))).status).toBe(200)
	})

	it('a schema that overflows the stack on some body rejects that body with 422', async () => {
		const id = await source({ name: 'loop', slug: 'loop', schema_validation_enabled: true, json_schema: { if: { type: 'object', required: ['b'] }, then: { $ref: '#' } } })
		expect((await ingest(id, '{"a":1}')).status).toBe(200)
		const res = await ingest(id, '{"b":1}')
		expect(res.status).toBe(422)
		const body = (await res.json()) as { error: string; request_id: string; validation_errors: { path: string; message: string }[] }
		expect(body.validation_errors[0]?.message).toContain('recurses too deeply')
		expect(body.request_id).toMatch(/^req_/)
	})

	it('a schema that loops without consuming input is refused when it is set (400 naming json_schema)', async () => {
		const res = await t.call('POST', '/v1/sources', { body: { name: 'self', slug: 'self', schema_validation_enabled: true, json_schema: { $ref: '#' } } })
		expect(res.status).toBe(400)
		expect(JSON.stringify(await res.json())).toContain('json_schema')
	})
})
