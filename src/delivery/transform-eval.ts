import jsonata from 'jsonata'

/*
 * The pure half of transforms: compiling an expression and evaluating it to a JSON
 * object. The server compiles (to answer syntax errors at write time); only the
 * transform child processes evaluate (see transform-pool.ts).
 */

/**
 * Wall-clock budget of one evaluation; JSONata checks it between the steps it takes.
 * A single step (a regex, `$pad`) can run past it: the transform pool's hard deadline covers that.
 */
export const TRANSFORM_TIMEOUT_MS = 1000
/** Evaluation depth limit, so runaway recursion fails before the JS stack does. */
export const TRANSFORM_MAX_DEPTH = 500
/** Longest sequence an evaluation may build (memory guard; ranges are capped by JSONata itself). */
export const TRANSFORM_MAX_SEQUENCE = 1_000_000
/** How deep the output may nest; deeper cannot be a sensible webhook body. */
const MAX_OUTPUT_DEPTH = 1000

/**
 * A transform that failed: a syntax error (at compile time), a JSONata runtime
 * error (type errors, the time or depth limit) or an output that is not a JSON
 * object. `code` is JSONata's (e.g. `S0203`, `D1012`) or `non_object_output`.
 * The delivery worker records it as `error_type: transform_error`, never retried.
 */
export class TransformError extends Error {
	override readonly name: string = 'TransformError'
	constructor(
		message: string,
		readonly code: string,
		/** Character offset in the expression, when JSONata names one. */
		readonly position: number | null = null
	) {
		super(message)
	}
}

/** A syntax error in the expression itself: the API answers it with a 400 at write time. */
export class TransformSyntaxError extends TransformError {
	override readonly name = 'TransformSyntaxError'
}

interface JsonataFailure {
	code?: unknown
	message?: unknown
	position?: unknown
}

/** JSONata throws plain objects, not Errors; keep what a user can act on. */
function asTransformError(err: unknown, Kind: typeof TransformError): TransformError {
	if (err instanceof TransformError) return err
	const f = (err && typeof err === 'object' ? err : {}) as JsonataFailure
	const message = typeof f.message === 'string' && f.message ? f.message : String(err)
	const code = typeof f.code === 'string' ? f.code : 'transform_error'
	const position = typeof f.position === 'number' ? f.position : null
	return new Kind(position === null ? message : `${message} (at position ${position})`, code, position)
}

/** JSONata hands functions back as tagged objects: lambdas and built-ins (`$uppercase`). */
const isFunction = (value: unknown): boolean =>
	typeof value === 'function' || (typeof value === 'object' && value !== null && ('_jsonata_lambda' in value || '_jsonata_function' in value))

const nonObject = (what: string) => new TransformError(`Transform output must be a JSON object, got ${what}`, 'non_object_output')

function describe(value: unknown): string {
	if (value === undefined) return 'nothing'
	if (value === null) return 'null'
	if (Array.isArray(value)) return 'an array'
	if (isFunction(value)) return 'a function'
	return `a ${typeof value}`
}

/**
 * A JSON-clean copy of an evaluation result: JSONata sequences become plain arrays,
 * undefined members are dropped (as JSON.stringify would), and functions, lambdas
 * and non-finite numbers are refused because the destination would not receive them.
 */
function toJson(value: unknown, path: string, depth: number): unknown {
	if (depth > MAX_OUTPUT_DEPTH) throw new TransformError(`Transform output is nested deeper than ${MAX_OUTPUT_DEPTH} levels`, 'non_object_output')
	if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new TransformError(`Transform output has a non-finite number at ${path || '/'}`, 'non_object_output')
		return value
	}
	if (Array.isArray(value)) return value.map((v, i) => (v === undefined ? null : toJson(v, `${path}/${i}`, depth + 1)))
	if (typeof value === 'object' && !isFunction(value)) {
		const out: Record<string, unknown> = {}
		for (const [k, v] of Object.entries(value)) {
			if (v !== undefined) out[k] = toJson(v, `${path}/${k}`, depth + 1)
		}
		return out
	}
	throw new TransformError(`Transform output has a function at ${path || '/'}, which is not JSON`, 'non_object_output')
}

/** Parses an expression with the evaluation limits set; throws `TransformSyntaxError`. */
export function compileExpression(expression: string): jsonata.Expression {
	if (expression.trim() === '') throw new TransformSyntaxError('Expression is empty', 'S0207', 0)
	try {
		return jsonata(expression, { timeout: TRANSFORM_TIMEOUT_MS, stack: TRANSFORM_MAX_DEPTH, sequence: TRANSFORM_MAX_SEQUENCE })
	} catch (err) {
		throw asTransformError(err, TransformSyntaxError)
	}
}

/** Evaluates on the calling thread: the new body as a plain JSON object, or a `TransformError`. */
export async function evaluateExpression(compiled: jsonata.Expression, body: unknown): Promise<Record<string, unknown>> {
	let result: unknown
	try {
		result = await compiled.evaluate(body)
	} catch (err) {
		throw asTransformError(err, TransformError)
	}
	if (result === null || typeof result !== 'object' || Array.isArray(result) || isFunction(result)) {
		throw nonObject(describe(result))
	}
	return toJson(result, '', 0) as Record<string, unknown>
}
