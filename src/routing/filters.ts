import { type Static, Type as t } from '@sinclair/typebox'
import type { ErrorDetail } from '../lib/errors'
import { readJsonPath } from '../lib/json-path'

/** The operators of reference §3.3. */
export const FILTER_OPS = ['eq', 'neq', 'contains', 'gt', 'gte', 'lt', 'lte', 'exists', 'in'] as const
export type FilterOp = (typeof FILTER_OPS)[number]

/** Most rules one connection may carry. */
export const MAX_FILTER_RULES = 50

/** One connection filter rule: `{ "field": "payload.type", "op": "eq", "value": "order.created" }`. */
export const FilterRule = t.Object(
	{
		field: t.String({
			minLength: 1,
			maxLength: 500,
			description: 'payload.<dot.path> | headers.<name> | method | content_type | source_ip',
			examples: ['payload.type']
		}),
		op: t.Union(FILTER_OPS.map((op) => t.Literal(op)), { description: 'Comparison operator' }),
		value: t.Optional(t.Unknown({ description: 'Operand; its type depends on op' }))
	},
	{ additionalProperties: false }
)
export type FilterRule = Static<typeof FilterRule>

/** What a filter sees of an event. Header names are lowercase. */
export interface FilterInput {
	payload: unknown
	headers: Record<string, string>
	method: string
	content_type: string | null
	source_ip: string | null
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/
const METADATA = new Set(['method', 'content_type', 'source_ip'])

type Getter = (input: FilterInput) => unknown

/** Why a field names nothing a filter can read, or '' when it is readable. */
function fieldProblem(field: string): string {
	if (METADATA.has(field)) return ''
	if (field.startsWith('payload.')) {
		return field.slice(8).split('.').every((s) => s.length > 0) ? '' : 'must be a dot path with no empty segments, such as payload.data.id'
	}
	if (field.startsWith('headers.')) return HEADER_NAME.test(field.slice(8)) ? '' : 'must name an HTTP header, such as headers.x-github-event'
	return 'must be payload.<path>, headers.<name>, method, content_type or source_ip'
}

const isPrimitive = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'

/** Why `value` does not suit `op`, or '' when it does. */
function valueProblem(op: FilterOp, value: unknown): string {
	switch (op) {
		case 'gt': case 'gte': case 'lt': case 'lte':
			return typeof value === 'number' ? '' : `must be a number for ${op}`
		case 'contains':
			return typeof value === 'string' ? '' : 'must be a string for contains'
		case 'exists':
			return typeof value === 'boolean' ? '' : 'must be true or false for exists'
		case 'in':
			return Array.isArray(value) ? '' : 'must be an array for in'
		case 'eq': case 'neq':
			return isPrimitive(value) ? '' : `must be a string, number, boolean or null for ${op}`
	}
}

/**
 * Write-time checks beyond the schema: known fields, operand types per operator,
 * at most 50 rules. Returns one detail per problem (paths under `base`); empty when valid.
 */
export function validateFilterRules(rules: readonly FilterRule[], base = '/filter_rules'): ErrorDetail[] {
	const details: ErrorDetail[] = []
	if (rules.length > MAX_FILTER_RULES) details.push({ path: base, message: `must have at most ${MAX_FILTER_RULES} items` })
	rules.forEach((rule, i) => {
		const field = fieldProblem(rule.field)
		if (field) details.push({ path: `${base}/${i}/field`, message: field })
		if (!(FILTER_OPS as readonly string[]).includes(rule.op)) {
			details.push({ path: `${base}/${i}/op`, message: `must be one of ${FILTER_OPS.join(', ')}` })
			return
		}
		if (rule.value === undefined) {
			details.push({ path: `${base}/${i}/value`, message: `is required for ${rule.op}` })
			return
		}
		const value = valueProblem(rule.op, rule.value)
		if (value) details.push({ path: `${base}/${i}/value`, message: value })
		if (rule.op === 'in' && Array.isArray(rule.value)) {
			// Matching is strict equality, so an object or array member could never match.
			rule.value.forEach((v: unknown, j) => {
				if (!isPrimitive(v)) details.push({ path: `${base}/${i}/value/${j}`, message: 'must be a string, number, boolean or null' })
			})
		}
	})
	return details
}

/** Own properties only: `payload.constructor` must not reach Object.prototype. */
function readPayload(segments: readonly string[]): Getter {
	return ({ payload }) => readJsonPath(payload, segments)
}

/** Absent metadata (no Content-Type, unknown peer) reads as missing, so `exists: false` matches it. */
function getterOf(field: string): Getter {
	if (field === 'method') return (e) => e.method
	if (field === 'content_type') return (e) => e.content_type ?? undefined
	if (field === 'source_ip') return (e) => e.source_ip ?? undefined
	if (field.startsWith('headers.')) {
		const name = field.slice(8).toLowerCase()
		return ({ headers }) => (Object.hasOwn(headers, name) ? headers[name] : undefined)
	}
	if (field.startsWith('payload.')) return readPayload(field.slice(8).split('.'))
	// Unreachable for validated rules; a field nothing can read resolves to undefined.
	return () => undefined
}

type Test = (actual: unknown) => boolean

const numeric = (value: unknown, cmp: (a: number, b: number) => boolean): Test =>
	(actual) => typeof actual === 'number' && typeof value === 'number' && cmp(actual, value)

/** The reference §3.3 semantics; no coercion anywhere. */
function testOf(op: FilterOp, value: unknown): Test {
	switch (op) {
		case 'eq': return (actual) => actual === value
		case 'neq': return (actual) => actual !== value
		case 'contains': return (actual) => typeof actual === 'string' && typeof value === 'string' && actual.includes(value)
		case 'gt': return numeric(value, (a, b) => a > b)
		case 'gte': return numeric(value, (a, b) => a >= b)
		case 'lt': return numeric(value, (a, b) => a < b)
		case 'lte': return numeric(value, (a, b) => a <= b)
		case 'exists': return (actual) => (actual !== undefined) === (value === true)
		case 'in': return (actual) => Array.isArray(value) && actual !== undefined && value.includes(actual)
		// A stored rule with an operator this build does not know fails closed.
		default: return () => false
	}
}

/**
 * Compiles rules once into a predicate: true when ALL rules match (no rules →
 * always true). Rules should have passed `validateFilterRules`.
 */
export function compileFilters(rules: readonly FilterRule[] | null | undefined): (event: FilterInput) => boolean {
	if (!rules || rules.length === 0) return () => true
	const compiled = rules.map((r) => ({ get: getterOf(r.field), test: testOf(r.op, r.value) }))
	return (event) => {
		for (const { get, test } of compiled) if (!test(get(event))) return false
		return true
	}
}
