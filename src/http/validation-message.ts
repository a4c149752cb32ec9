import { ValueErrorType } from '@sinclair/typebox/errors'
import type { ErrorDetail } from '../lib/errors'
import { MULTILINE_TEXT, SINGLE_LINE_TEXT, TEXT_PATTERN_MESSAGE } from '../lib/text'

/** The fields of a TypeBox error that a message needs. */
export interface SchemaError {
	type: number
	path: string
	message: string
	schema: Record<string, unknown>
	value?: unknown
}

function literals(schema: Record<string, unknown>): string[] | null {
	const anyOf = schema.anyOf as Record<string, unknown>[] | undefined
	if (!anyOf || !anyOf.every((s) => 'const' in s)) return null
	return anyOf.map((s) => String(s.const))
}

/** A string that failed a nullable string field: name the string rule it broke, not "wrong type". */
function stringRuleBroken(anyOf: Record<string, unknown>[], value: unknown): string | null {
	const member = anyOf.find((m) => m.type === 'string')
	if (!member || typeof value !== 'string') return null
	if (typeof member.maxLength === 'number' && value.length > member.maxLength) return `must be at most ${member.maxLength} characters`
	if (typeof member.minLength === 'number' && value.length < member.minLength) return `must be at least ${member.minLength} character(s)`
	if (member.pattern === SINGLE_LINE_TEXT || member.pattern === MULTILINE_TEXT) {
		if (!new RegExp(member.pattern).test(value)) return TEXT_PATTERN_MESSAGE
	}
	return null
}

/** Turns a schema error into words a client developer can act on. */
function describe(e: SchemaError): string {
	const s = e.schema
	switch (e.type) {
		case ValueErrorType.ObjectRequiredProperty: return 'is required'
		case ValueErrorType.ObjectAdditionalProperties: return 'is not an allowed field'
		case ValueErrorType.ObjectMinProperties: return 'must contain at least one field'
		case ValueErrorType.StringPattern:
			return s.pattern === SINGLE_LINE_TEXT || s.pattern === MULTILINE_TEXT ? TEXT_PATTERN_MESSAGE : `must match pattern ${s.pattern}`
		case ValueErrorType.StringMinLength: return `must be at least ${s.minLength} character(s)`
		case ValueErrorType.StringMaxLength: return `must be at most ${s.maxLength} characters`
		case ValueErrorType.IntegerMinimum: case ValueErrorType.NumberMinimum: return `must be at least ${s.minimum}`
		case ValueErrorType.IntegerMaximum: case ValueErrorType.NumberMaximum: return `must be at most ${s.maximum}`
		case ValueErrorType.ArrayMaxItems: return `must have at most ${s.maxItems} items`
		case ValueErrorType.String: return 'must be a string'
		case ValueErrorType.Integer: return 'must be an integer'
		case ValueErrorType.Number: return 'must be a number'
		case ValueErrorType.Boolean: return 'must be a boolean'
		case ValueErrorType.Object: return 'must be an object'
		case ValueErrorType.Array: return 'must be an array'
		case ValueErrorType.Literal: return `must be '${String(s.const)}'`
		case ValueErrorType.Union: {
			const values = literals(s)
			if (values) return `must be one of ${values.join(', ')}`
			// Elysia's query coercion wraps integers as a union of numeral-string and integer.
			const anyOf = (s.anyOf as Record<string, unknown>[] | undefined) ?? []
			if (anyOf.length && anyOf.every((m) => m.type === 'integer' || m.format === 'integer')) return 'must be an integer'
			return stringRuleBroken(anyOf, e.value) ?? 'has the wrong type'
		}
		default: return e.message.charAt(0).toLowerCase() + e.message.slice(1)
	}
}

/**
 * The contract's 400: `Invalid body: 'slug' must match pattern ^[a-z0-9-]+$`
 * plus one detail per problem. `where` is `body`, `query` or `params`.
 */
export function formatSchemaErrors(where: string, errors: SchemaError[]): { message: string; details: ErrorDetail[] } {
	const seen = new Set<string>()
	const details: ErrorDetail[] = []
	for (const e of errors) {
		const path = e.path
		if (seen.has(path)) continue
		seen.add(path)
		details.push({ path: path || '/', message: describe(e) })
	}
	const first = details[0] ?? { path: '/', message: 'is invalid' }
	const field = first.path === '/' ? where : `'${first.path.slice(1).replaceAll('/', '.')}'`
	return { message: `Invalid ${where}: ${field} ${first.message}`, details }
}
