import { describe, expect, it } from 'bun:test'
import { compileFilters, type FilterInput, type FilterRule, validateFilterRules } from '../../../src/routing/filters'

const event: FilterInput = {
	payload: {
		type: 'order.created',
		amount: 4200,
		currency: 'usd',
		private: false,
		note: null,
		count: '7',
		items: [{ sku: 'A-1', qty: 2 }, { sku: 'B-2', qty: 5 }],
		nested: { deep: { value: 'x' } },
		'Mixed': 'case'
	},
	headers: { 'x-github-event': 'push', 'content-type': 'application/json' },
	method: 'POST',
	content_type: 'application/json',
	source_ip: '203.0.113.7'
}

const match = (rule: FilterRule, input: FilterInput = event) => compileFilters([rule])(input)

/** [description, rule, expected result against `event`] */
const CASES: [string, FilterRule, boolean][] = [
	['eq string match', { field: 'payload.type', op: 'eq', value: 'order.created' }, true],
	['eq string mismatch', { field: 'payload.type', op: 'eq', value: 'order.updated' }, false],
	['eq number match', { field: 'payload.amount', op: 'eq', value: 4200 }, true],
	['eq does not coerce a numeric string', { field: 'payload.count', op: 'eq', value: 7 }, false],
	['eq does not coerce a number to a string', { field: 'payload.amount', op: 'eq', value: '4200' }, false],
	['eq boolean false match', { field: 'payload.private', op: 'eq', value: false }, true],
	['eq boolean is not 0', { field: 'payload.private', op: 'eq', value: 0 }, false],
	['eq null match', { field: 'payload.note', op: 'eq', value: null }, true],
	['eq null does not match missing', { field: 'payload.missing', op: 'eq', value: null }, false],
	['eq never matches an object', { field: 'payload.nested', op: 'eq', value: 'x' }, false],
	['neq mismatch is true', { field: 'payload.type', op: 'neq', value: 'order.updated' }, true],
	['neq match is false', { field: 'payload.type', op: 'neq', value: 'order.created' }, false],
	['neq on a missing field is true', { field: 'payload.missing', op: 'neq', value: 'x' }, true],
	['neq does not coerce', { field: 'payload.count', op: 'neq', value: 7 }, true],
	['contains substring', { field: 'payload.type', op: 'contains', value: 'order.' }, true],
	['contains missing substring', { field: 'payload.type', op: 'contains', value: 'refund' }, false],
	['contains is case-sensitive', { field: 'payload.type', op: 'contains', value: 'ORDER' }, false],
	['contains on a number is false', { field: 'payload.amount', op: 'contains', value: '42' }, false],
	['contains on an array is false', { field: 'payload.items', op: 'contains', value: 'A-1' }, false],
	['gt true', { field: 'payload.amount', op: 'gt', value: 4199 }, true],
	['gt equal is false', { field: 'payload.amount', op: 'gt', value: 4200 }, false],
	['gte equal is true', { field: 'payload.amount', op: 'gte', value: 4200 }, true],
	['gte smaller is false', { field: 'payload.amount', op: 'gte', value: 4201 }, false],
	['lt true', { field: 'payload.amount', op: 'lt', value: 4201 }, true],
	['lt equal is false', { field: 'payload.amount', op: 'lt', value: 4200 }, false],
	['lte equal is true', { field: 'payload.amount', op: 'lte', value: 4200 }, true],
	['lte bigger is false', { field: 'payload.amount', op: 'lte', value: 4199 }, false],
	['gt on a numeric string is false (no coercion)', { field: 'payload.count', op: 'gt', value: 1 }, false],
	['lt on a numeric string is false (no coercion)', { field: 'payload.count', op: 'lt', value: 100 }, false],
	['gte on a missing field is false', { field: 'payload.missing', op: 'gte', value: 0 }, false],
	['lte on null is false', { field: 'payload.note', op: 'lte', value: 0 }, false],
	['gt with a non-number operand is false', { field: 'payload.amount', op: 'gt', value: '1' }, false],
	['exists true on a present field', { field: 'payload.type', op: 'exists', value: true }, true],
	['exists true on null (present)', { field: 'payload.note', op: 'exists', value: true }, true],
	['exists true on a missing field', { field: 'payload.missing', op: 'exists', value: true }, false],
	['exists false on a missing field', { field: 'payload.missing', op: 'exists', value: false }, true],
	['exists false on a present field', { field: 'payload.type', op: 'exists', value: false }, false],
	['in includes', { field: 'headers.x-github-event', op: 'in', value: ['push', 'pull_request'] }, true],
	['in excludes', { field: 'headers.x-github-event', op: 'in', value: ['issues'] }, false],
	['in is strict for numbers', { field: 'payload.count', op: 'in', value: [7, 8] }, false],
	['in matches numbers', { field: 'payload.amount', op: 'in', value: [1, 4200] }, true],
	['in matches false', { field: 'payload.private', op: 'in', value: [false] }, true],
	['in on a missing field is false', { field: 'payload.missing', op: 'in', value: ['x'] }, false],
	['array index path', { field: 'payload.items.1.sku', op: 'eq', value: 'B-2' }, true],
	['array index out of range', { field: 'payload.items.9.sku', op: 'exists', value: false }, true],
	['array non-index segment is missing', { field: 'payload.items.length', op: 'exists', value: false }, true],
	['nested path', { field: 'payload.nested.deep.value', op: 'eq', value: 'x' }, true],
	['path through a scalar is missing', { field: 'payload.type.length', op: 'exists', value: false }, true],
	['payload paths are case-sensitive', { field: 'payload.mixed', op: 'exists', value: false }, true],
	['payload keys match exactly', { field: 'payload.Mixed', op: 'eq', value: 'case' }, true],
	['inherited properties are not fields', { field: 'payload.constructor', op: 'exists', value: false }, true],
	['__proto__ is not a field', { field: 'payload.__proto__', op: 'exists', value: false }, true],
	['header names are case-insensitive', { field: 'headers.X-GitHub-Event', op: 'eq', value: 'push' }, true],
	['header values are case-sensitive', { field: 'headers.x-github-event', op: 'eq', value: 'PUSH' }, false],
	['missing header', { field: 'headers.x-missing', op: 'exists', value: false }, true],
	['inherited header name is missing', { field: 'headers.constructor', op: 'exists', value: false }, true],
	['method', { field: 'method', op: 'eq', value: 'POST' }, true],
	['method is case-sensitive', { field: 'method', op: 'eq', value: 'post' }, false],
	['content_type', { field: 'content_type', op: 'contains', value: 'json' }, true],
	['source_ip', { field: 'source_ip', op: 'in', value: ['203.0.113.7'] }, true]
]

describe('compileFilters: operators', () => {
	for (const [name, rule, expected] of CASES) {
		it(`${name} → ${expected}`, () => {
			expect(match(rule)).toBe(expected)
		})
	}
})

describe('compileFilters: combination and edge cases', () => {
	const rules: FilterRule[] = [
		{ field: 'method', op: 'eq', value: 'POST' },
		{ field: 'headers.x-github-event', op: 'in', value: ['push', 'pull_request'] },
		{ field: 'payload.private', op: 'eq', value: false }
	]

	it('matches when every rule matches (the reference example)', () => {
		expect(compileFilters(rules)(event)).toBe(true)
	})

	it('fails when any one rule fails (AND)', () => {
		for (let i = 0; i < rules.length; i++) {
			const broken = rules.map((r, j) => (j === i ? { ...r, value: r.op === 'in' ? ['nope'] : 'nope' } : r))
			expect(compileFilters(broken)(event)).toBe(false)
		}
	})

	it('no rules, null or undefined match everything', () => {
		expect(compileFilters([])(event)).toBe(true)
		expect(compileFilters(null)(event)).toBe(true)
		expect(compileFilters(undefined)(event)).toBe(true)
	})

	it('absent content type and source ip read as missing', () => {
		const bare: FilterInput = { payload: null, headers: {}, method: 'GET', content_type: null, source_ip: null }
		expect(match({ field: 'content_type', op: 'exists', value: false }, bare)).toBe(true)
		expect(match({ field: 'source_ip', op: 'exists', value: true }, bare)).toBe(false)
		expect(match({ field: 'payload.a', op: 'exists', value: false }, bare)).toBe(true)
	})

	it('reads a top-level array payload by index', () => {
		const arr: FilterInput = { ...event, payload: [{ id: 'first' }] }
		expect(match({ field: 'payload.0.id', op: 'eq', value: 'first' }, arr)).toBe(true)
	})

	it('an unknown stored operator fails closed', () => {
		expect(match({ field: 'method', op: 'like' as never, value: 'POST' })).toBe(false)
	})

	it('is reusable: one compiled predicate, many events', () => {
		const pred = compileFilters([{ field: 'payload.amount', op: 'gt', value: 100 }])
		expect(pred(event)).toBe(true)
		expect(pred({ ...event, payload: { amount: 5 } })).toBe(false)
		expect(pred(event)).toBe(true)
	})
})

describe('validateFilterRules', () => {
	it('accepts every valid operator/value pairing', () => {
		const valid: FilterRule[] = [
			{ field: 'payload.a', op: 'eq', value: 'x' },
			{ field: 'payload.a', op: 'eq', value: 1 },
			{ field: 'payload.a', op: 'eq', value: true },
			{ field: 'payload.a', op: 'neq', value: null },
			{ field: 'payload.items.0.id', op: 'contains', value: 'x' },
			{ field: 'headers.X-Event', op: 'gt', value: 1 },
			{ field: 'method', op: 'gte', value: 1.5 },
			{ field: 'content_type', op: 'lt', value: -1 },
			{ field: 'source_ip', op: 'lte', value: 0 },
			{ field: 'payload.a', op: 'exists', value: false },
			{ field: 'payload.a', op: 'in', value: ['a', 1, false, null] },
			{ field: 'payload.a', op: 'in', value: [] }
		]
		expect(validateFilterRules(valid)).toEqual([])
	})

	/** [description, rule, path, message fragment] */
	const INVALID: [string, FilterRule, string, string][] = [
		['unknown root field', { field: 'body.a', op: 'eq', value: 1 }, '/filter_rules/0/field', 'must be payload.<path>'],
		['bare payload', { field: 'payload', op: 'exists', value: true }, '/filter_rules/0/field', 'must be payload.<path>'],
		['payload with empty segment', { field: 'payload.a..b', op: 'eq', value: 1 }, '/filter_rules/0/field', 'no empty segments'],
		['payload with trailing dot', { field: 'payload.', op: 'eq', value: 1 }, '/filter_rules/0/field', 'no empty segments'],
		['header with a space', { field: 'headers.x event', op: 'eq', value: 'a' }, '/filter_rules/0/field', 'HTTP header'],
		['empty header name', { field: 'headers.', op: 'eq', value: 'a' }, '/filter_rules/0/field', 'HTTP header'],
		['metadata is case-sensitive', { field: 'Method', op: 'eq', value: 'POST' }, '/filter_rules/0/field', 'must be payload.<path>'],
		['unknown op', { field: 'method', op: 'like' as never, value: 'P' }, '/filter_rules/0/op', 'must be one of'],
		['missing value', { field: 'method', op: 'eq' }, '/filter_rules/0/value', 'is required'],
		['gt with a string', { field: 'payload.a', op: 'gt', value: '5' }, '/filter_rules/0/value', 'must be a number'],
		['gte with null', { field: 'payload.a', op: 'gte', value: null }, '/filter_rules/0/value', 'must be a number'],
		['lt with a boolean', { field: 'payload.a', op: 'lt', value: true }, '/filter_rules/0/value', 'must be a number'],
		['lte with an array', { field: 'payload.a', op: 'lte', value: [1] }, '/filter_rules/0/value', 'must be a number'],
		['contains with a number', { field: 'payload.a', op: 'contains', value: 5 }, '/filter_rules/0/value', 'must be a string'],
		['in with a string', { field: 'payload.a', op: 'in', value: 'a' }, '/filter_rules/0/value', 'must be an array'],
		['in with an object member', { field: 'payload.a', op: 'in', value: ['a', { b: 1 }] }, '/filter_rules/0/value/1', 'must be a string'],
		['exists with a string', { field: 'payload.a', op: 'exists', value: 'yes' }, '/filter_rules/0/value', 'true or false'],
		['exists with 1', { field: 'payload.a', op: 'exists', value: 1 }, '/filter_rules/0/value', 'true or false'],
		['eq with an object', { field: 'payload.a', op: 'eq', value: { a: 1 } }, '/filter_rules/0/value', 'string, number, boolean or null'],
		['neq with an array', { field: 'payload.a', op: 'neq', value: [1] }, '/filter_rules/0/value', 'string, number, boolean or null']
	]

	for (const [name, rule, path, fragment] of INVALID) {
		it(`${name} → ${path}`, () => {
			const details = validateFilterRules([rule])
			expect(details).toHaveLength(1)
			expect(details[0]?.path).toBe(path)
			expect(details[0]?.message).toContain(fragment)
		})
	}

	it('names the index of the bad rule and reports every problem', () => {
		const details = validateFilterRules([
			{ field: 'payload.ok', op: 'eq', value: 1 },
			{ field: 'nope', op: 'gt', value: 'x' }
		])
		expect(details.map((d) => d.path)).toEqual(['/filter_rules/1/field', '/filter_rules/1/value'])
	})

	it('allows 50 rules, not 51', () => {
		const rule: FilterRule = { field: 'method', op: 'eq', value: 'POST' }
		expect(validateFilterRules(Array(50).fill(rule))).toEqual([])
		expect(validateFilterRules(Array(51).fill(rule))).toEqual([{ path: '/filter_rules', message: 'must have at most 50 items' }])
	})

	it('takes another base path', () => {
		expect(validateFilterRules([{ field: 'x', op: 'eq', value: 1 }], '/rules')[0]?.path).toBe('/rules/0/field')
	})
})
