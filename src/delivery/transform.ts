import { compileExpression } from './transform-eval'
import { TransformPool } from './transform-pool'

export { TRANSFORM_MAX_DEPTH, TRANSFORM_MAX_SEQUENCE, TRANSFORM_TIMEOUT_MS, TransformError, TransformSyntaxError } from './transform-eval'

const CACHE_SIZE = 500

/** A compiled JSONata expression, safe to share between concurrent deliveries. */
export interface CompiledTransform {
	readonly expression: string
	/** Resolves to the new body (a plain JSON object); rejects with a `TransformError`. */
	apply(body: unknown): Promise<Record<string, unknown>>
}

let shared: TransformPool | null = null

/** The process's transform child processes, started on first use. */
export function transformPool(): TransformPool {
	shared ??= new TransformPool()
	return shared
}

/**
 * Checks a JSONata expression; throws `TransformSyntaxError` (JSONata's message and
 * position) when it does not parse. Evaluations run in the transform child processes
 * (transform-pool.ts), bounded in time (JSONata's step limit, then a hard deadline),
 * depth, sequence length and memory, so a user expression cannot hang or bloat the server.
 */
export function compileTransform(expression: string): CompiledTransform {
	compileExpression(expression)
	return {
		expression,
		apply: (body) => transformPool().run(expression, body)
	}
}

// Map iteration order is insertion order: re-inserting on a hit keeps the oldest first.
const cache = new Map<string, CompiledTransform>()

/**
 * The compiled transform for an expression, from a small LRU keyed by its text:
 * deliveries of one connection share a single compilation. Throws like `compileTransform`.
 */
export function transformFor(expression: string): CompiledTransform {
	const hit = cache.get(expression)
	if (hit) {
		cache.delete(expression)
		cache.set(expression, hit)
		return hit
	}
	const compiled = compileTransform(expression)
	cache.set(expression, compiled)
	if (cache.size > CACHE_SIZE) {
		const oldest = cache.keys().next()
		if (!oldest.done) cache.delete(oldest.value)
	}
	return compiled
}
