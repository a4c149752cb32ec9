import Ajv, { type ValidateFunction } from 'ajv'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'

/**
 * User-supplied JSON Schemas (draft-07 and draft 2020-12, chosen by `$schema`).
 * One Ajv instance per draft. Ajv caches every schema it compiles, so each
 * compile is followed by removeSchema: callers keep the compiled function.
 */
const draft07 = addFormats(new Ajv({ allErrors: true, strict: false }))
const draft2020 = addFormats(new Ajv2020({ allErrors: true, strict: false }))

/** Largest schema accepted, serialised; bigger ones are a denial of service, not a contract. */
export const MAX_SCHEMA_BYTES = 64 * 1024

// A quantified group whose body is itself quantified, e.g. `(a+)+`, `(\w*)*`, `(x|y+){2,}`:
// the shape behind catastrophic backtracking. Patterns run on attacker-controlled bodies.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,?\d*\})/

function* patternsOf(node: unknown): Generator<string> {
	if (node === null || typeof node !== 'object') return
	if (Array.isArray(node)) {
		for (const item of node) yield* patternsOf(item)
		return
	}
	const obj = node as Record<string, unknown>
	if (typeof obj.pattern === 'string') yield obj.pattern
	if (obj.patternProperties && typeof obj.patternProperties === 'object') yield* Object.keys(obj.patternProperties)
	for (const value of Object.values(obj)) yield* patternsOf(value)
}

export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
	const id = typeof schema.$schema === 'string' ? schema.$schema : ''
	const ajv = id.includes('2020-12') ? draft2020 : draft07
	// Ajv caches by $id; compiling a changed schema under the same $id must not collide.
	const { $id: _ignored, ...rest } = schema
	const validate = ajv.compile(rest)
	ajv.removeSchema(rest)
	return validate
}

export interface SchemaVerdict {
	valid: boolean
	errors: { path: string; message: string }[]
}

/**
 * Runs a compiled schema on a body. A recursive schema (`{"$ref":"#"}`, or one
 * following a deep body level by level) can exhaust the stack: that is a
 * rejection of this body, never a crash of the request.
 */
export function runSchema(validate: ValidateFunction, value: unknown): SchemaVerdict {
	try {
		if (validate(value)) return { valid: true, errors: [] }
		return { valid: false, errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'is invalid' })) }
	} catch (err) {
		if (!(err instanceof RangeError)) throw err
		return { valid: false, errors: [{ path: '/', message: 'cannot be checked: the schema recurses too deeply on this body' }] }
	}
}

// Small values every schema must be able to judge: a `$ref` loop that consumes no input fails on them.
const PROBES: unknown[] = [null, true, 0, '', [], {}, [[]], { a: {} }]

function loopsWithoutInput(validate: ValidateFunction): boolean {
	return PROBES.some((value) => runSchema(validate, value).errors.some((e) => e.message.startsWith('cannot be checked')))
}

/** Null when the schema is acceptable and compiles; otherwise why not. */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
	if (JSON.stringify(schema).length > MAX_SCHEMA_BYTES) return `is larger than ${MAX_SCHEMA_BYTES} bytes`
	for (const pattern of patternsOf(schema)) {
		if (pattern.length > 500) return 'has a pattern longer than 500 characters'
		if (NESTED_QUANTIFIER.test(pattern)) return `has a pattern with nested quantifiers (${pattern}), which can take exponential time`
	}
	try {
		if (loopsWithoutInput(compileJsonSchema(schema))) return 'refers to itself without consuming any input ($ref loop), so it can never finish'
		return null
	} catch (err) {
		return err instanceof Error ? err.message : String(err)
	}
}
