import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { TestApp } from '../helpers'
import { type ConnFixture, connectionFixture, type Err } from './connections-fixtures'

let f: ConnFixture
let t: TestApp
beforeAll(async () => {
	f = await connectionFixture()
	t = f.t
})
afterAll(() => t.close())

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
	['misspelled field', { descripton: 'x' }, '/descripton']
]

describe('POST /v1/connections validation', () => {
	for (const [name, overrides, path] of INVALID) {
		it(`400 for ${name}, naming ${path}`, async () => {
			const body: Record<string, unknown> = { source_id: f.src.id, destination_id: f.dst.id, name: 'x', ...overrides }
			for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k]
			const res = await t.call('POST', '/v1/connections', { body })
			expect(res.status).toBe(400)
			const json = (await res.json()) as Err
			expect(json.status).toBe(400)
			expect(json.details?.map((d) => d.path)).toContain(path)
		})
	}

	it("a JSONata syntax error carries JSONata's message", async () => {
		const res = await t.call('POST', '/v1/connections', { body: { source_id: f.src.id, destination_id: f.dst.id, name: 'x', transform_expression: '{"a": id' } })
		const json = (await res.json()) as Err
		expect(json.error).toStartWith("Invalid body: 'transform_expression' is not a valid JSONata expression: Expected \"}\" before end of expression")
		expect(json.details).toEqual([{ path: '/transform_expression', message: expect.stringContaining('position 8') }])
	})

	it('reports every bad filter rule, the message naming the first', async () => {
		const res = await t.call('POST', '/v1/connections', {
			body: { source_id: f.src.id, destination_id: f.dst.id, name: 'x', filter_rules: [{ field: 'method', op: 'eq', value: 'POST' }, { field: 'x', op: 'gt', value: 'y' }] }
		})
		const json = (await res.json()) as Err
		expect(json.error).toBe("Invalid body: 'filter_rules.1.field' must be payload.<path>, headers.<name>, method, content_type or source_ip")
		expect(json.details?.map((d) => d.path)).toEqual(['/filter_rules/1/field', '/filter_rules/1/value'])
	})
})
