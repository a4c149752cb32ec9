import Ajv, { type ValidateFunction } from 'ajv'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'

/**
 * User-supplied JSON Schemas (draft-07 and draft 2020-12, chosen by `$schema`).
 * One Ajv instance per draft; compiled validators are cached by the caller.
 */
const draft07 = addFormats(new Ajv({ allErrors: true, strict: false }))
const draft2020 = addFormats(new Ajv2020({ allErrors: true, strict: false }))

export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
	const id = typeof schema.$schema === 'string' ? schema.$schema : ''
	const ajv = id.includes('2020-12') ? draft2020 : draft07
	// Ajv caches by $id; compiling a changed schema under the same $id must not collide.
	const { $id: _ignored, ...rest } = schema
	return ajv.compile(rest)
}

/** Null when the schema compiles; otherwise the compiler's message. */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
	try {
		compileJsonSchema(schema)
		return null
	} catch (err) {
		return err instanceof Error ? err.message : String(err)
	}
}
