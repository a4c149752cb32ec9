import { describe, expect, it } from 'bun:test'
import { compileTransform, TRANSFORM_TIMEOUT_MS, TransformError, TransformSyntaxError, transformFor } from '../../src/delivery/transform'

const body = { id: 'evt_1', type: 'order.created', data: { amount: 4200, items: [{ sku: 'A' }, { sku: 'B' }] } }

async function failure(p: Promise<unknown>): Promise<TransformError> {
	try {
		await p
	} catch (err) {
		expect(err).toBeInstanceOf(TransformError)
		return err as TransformError
	}
	throw new Error('expected the transform to fail')
}

describe('compileTransform: valid expressions', () => {
	it('builds a new object from the body', async () => {
		const tf = compileTransform('{"event": type, "cents": data.amount, "skus": data.items.sku}')
		expect(await tf.apply(body)).toEqual({ event: 'order.created', cents: 4200, skus: ['A', 'B'] })
	})

	it('returns plain JSON: sequences become arrays, undefined members are dropped', async () => {
		const out = await compileTransform('{"skus": data.items.sku, "gone": nothing, "one": [data.items[0].sku]}').apply(body)
		expect(out).toEqual({ skus: ['A', 'B'], one: ['A'] })
		expect(JSON.stringify(out)).toBe('{"skus":["A","B"],"one":["A"]}')
		expect(Object.getPrototypeOf(out.skus)).toBe(Array.prototype)
	})

	it('passes the body through with $', async () => {
		expect(await compileTransform('$').apply(body)).toEqual(body)
	})

	it('can use functions and bindings', async () => {
		const tf = compileTransform('($total := $sum(data.items.($length(sku))); {"n": $total, "up": $uppercase(type)})')
		expect(await tf.apply(body)).toEqual({ n: 2, up: 'ORDER.CREATED' })
	})

	it('does not change the input', async () => {
		const input = structuredClone(body)
		await compileTransform('$ ~> |data|{"amount": 0}|').apply(input)
		expect(input).toEqual(body)
	})

	it('keeps the expression text', () => {
		expect(compileTransform('{"a": 1}').expression).toBe('{"a": 1}')
	})
})

describe('compileTransform: syntax errors', () => {
	it('throws TransformSyntaxError with JSONata message and position', () => {
		let caught: unknown
		try {
			compileTransform('{"a": data.amount')
		} catch (err) {
			caught = err
		}
		expect(caught).toBeInstanceOf(TransformSyntaxError)
		expect(caught).toBeInstanceOf(TransformError)
		const err = caught as TransformSyntaxError
		expect(err.message).toContain('Expected "}" before end of expression')
		expect(err.message).toContain('position 17')
		expect(err.code).toBe('S0203')
		expect(err.position).toBe(17)
	})

	it('rejects an empty or blank expression', () => {
		expect(() => compileTransform('')).toThrow(TransformSyntaxError)
		expect(() => compileTransform('   ')).toThrow(TransformSyntaxError)
	})

	it('rejects an unterminated string', () => {
		expect(() => compileTransform('"abc')).toThrow(TransformSyntaxError)
	})
})

describe('compileTransform: output must be a JSON object', () => {
	const cases: [string, string, string][] = [
		['a string', 'type', 'a string'],
		['a number', 'data.amount', 'a number'],
		['a boolean', 'data.amount > 1', 'a boolean'],
		['null', 'null', 'null'],
		['an array', 'data.items', 'an array'],
		['nothing', 'missing.field', 'nothing'],
		['a function', 'function($x){$x}', 'a function'],
		['a native function', '$uppercase', 'a function']
	]
	for (const [name, expr, what] of cases) {
		it(`rejects ${name}`, async () => {
			const err = await failure(compileTransform(expr).apply(body))
			expect(err.code).toBe('non_object_output')
			expect(err.message).toBe(`Transform output must be a JSON object, got ${what}`)
		})
	}

	it('rejects an object holding a function', async () => {
		for (const expr of ['{"f": function($x){$x}}', '{"a": [1, {"f": $uppercase}]}']) {
			const err = await failure(compileTransform(expr).apply(body))
			expect(err.code).toBe('non_object_output')
			expect(err.message).toMatch(/function at \/(f|a\/1\/f)/)
		}
	})

	it('wraps JSONata runtime errors', async () => {
		const err = await failure(compileTransform('{"x": type + 1}').apply(body))
		expect(err).not.toBeInstanceOf(TransformSyntaxError)
		expect(err.code).toBe('T2001')
		expect(err.message).toContain('must evaluate to a number')
	})
})

describe('compileTransform: runaway expressions are bounded', () => {
	it('an infinite tail-recursive loop stops at the time limit', async () => {
		const started = performance.now()
		const err = await failure(compileTransform('($loop := function($i){ $loop($i + 1) }; {"x": $loop(0)})').apply(body))
		const elapsed = performance.now() - started
		expect(err.code).toBe('D1012')
		expect(elapsed).toBeGreaterThanOrEqual(TRANSFORM_TIMEOUT_MS - 50)
		expect(elapsed).toBeLessThan(TRANSFORM_TIMEOUT_MS * 3)
	})

	it('deep non-tail recursion stops at the depth limit', async () => {
		const err = await failure(compileTransform('($f := function($i){ 1 + $f($i + 1) }; {"x": $f(0)})').apply(body))
		expect(err.code).toBe('D1011')
	})

	it('$eval cannot escape the limits', async () => {
		const err = await failure(compileTransform('{"x": $eval("($l := function($i){ $l($i + 1) }; $l(0))")}').apply(body))
		expect(err.message).toContain('timeout')
	})

	it('one runaway does not poison the compiled expression', async () => {
		const tf = compileTransform('data.amount > 0 ? {"ok": true} : ($l := function($i){ $l($i + 1) }; $l(0))')
		// The runaway branch really runs (amount 0) and is stopped; the same compiled expression then works.
		const err = await failure(tf.apply({ ...body, data: { ...body.data, amount: 0 } }))
		expect(err.code).toBe('D1012')
		expect(await tf.apply(body)).toEqual({ ok: true })
	})
})

describe('transformFor', () => {
	it('returns the same compiled instance for the same text', () => {
		const a = transformFor('{"cached": true}')
		expect(transformFor('{"cached": true}')).toBe(a)
		expect(transformFor('{"cached": false}')).not.toBe(a)
	})

	it('evicts the least recently used beyond 500 entries', () => {
		const first = transformFor('{"lru": 0}')
		const kept = transformFor('{"lru": "kept"}')
		for (let i = 1; i <= 500; i++) {
			transformFor(`{"lru": ${i}}`)
			if (i % 100 === 0) transformFor('{"lru": "kept"}')
		}
		expect(transformFor('{"lru": "kept"}')).toBe(kept)
		expect(transformFor('{"lru": 0}')).not.toBe(first)
	})

	it('throws on syntax errors and caches nothing for them', () => {
		expect(() => transformFor('{')).toThrow(TransformSyntaxError)
		expect(() => transformFor('{')).toThrow(TransformSyntaxError)
	})
})
