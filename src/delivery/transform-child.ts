import type jsonata from 'jsonata'
import { compileExpression, evaluateExpression, TransformError } from './transform-eval'

/*
 * A transform child process (see transform-pool.ts): evaluates one expression at a
 * time for its parent over IPC. The parent kills it when it overruns its deadline or
 * memory limit, so nothing here needs to stop itself. From source it is started as a
 * script; the compiled binary starts itself with TRANSFORM_CHILD_ENV set (main.ts).
 */

/** Set (to '1') in the environment of a transform child: main.ts runs `runTransformChild` instead of a command. */
export const TRANSFORM_CHILD_ENV = 'HOOKSTREAM_TRANSFORM_CHILD'

/** Request from the pool. */
export interface TransformJob {
	id: number
	expression: string
	input: unknown
}

/** Answer to the pool: the new body, or the failure as plain data (errors do not cross IPC). */
export type TransformAnswer =
	| { id: number; ok: true; value: Record<string, unknown> }
	| { id: number; ok: false; message: string; code: string; position: number | null; syntax: boolean }

const CACHE_SIZE = 200
// Insertion order is use order: a hit is re-inserted, the oldest is evicted.
const compiled = new Map<string, jsonata.Expression>()

function compiledFor(expression: string): jsonata.Expression {
	let hit = compiled.get(expression)
	if (hit) compiled.delete(expression)
	else hit = compileExpression(expression)
	compiled.set(expression, hit)
	if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value as string)
	return hit
}

async function answer(job: TransformJob): Promise<TransformAnswer> {
	try {
		return { id: job.id, ok: true, value: await evaluateExpression(compiledFor(job.expression), job.input) }
	} catch (err) {
		const te = err instanceof TransformError ? err : new TransformError(err instanceof Error ? err.message : String(err), 'transform_error')
		return { id: job.id, ok: false, message: te.message, code: te.code, position: te.position, syntax: te.name === 'TransformSyntaxError' }
	}
}

/** Serves jobs until the parent goes away. */
export function runTransformChild(): void {
	process.on('message', (job: TransformJob) => void answer(job).then((a) => process.send?.(a)))
}

if (import.meta.main) runTransformChild()
