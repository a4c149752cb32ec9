import type { AuthContext } from '../auth/service'
import { compileTransform, TransformSyntaxError } from '../delivery/transform'
import { ValidationFailed } from '../lib/errors'
import { compileFilters, type FilterRule } from '../routing/filters'
import { checkFilterRules } from './service'

/** What the preview needs of an event: what a connection's filters and transform read. */
export interface PreviewEvent {
	headers: Record<string, string>
	method: string
	content_type: string | null
	source_ip: string | null
	payload: unknown
}

export interface PreviewRequest {
	event_id: string
	filter_rules?: FilterRule[] | null
	transform_expression?: string | null
}

export interface PreviewResult {
	event_id: string
	/** Whether the filter rules let this event through (true when there are none). */
	matched: boolean
	/** The body that would be sent: the transform's output, or the event's parsed payload without a transform; null when the body is not JSON or the transform failed. */
	output: unknown
	/** Why the transform failed on this event (what a delivery would record as a transform_error), else null. */
	transform_error: string | null
}

/**
 * Runs a connection's rules against one stored event without saving anything,
 * the way ingest (filters) and the delivery worker (transform, in the same child
 * processes and limits) would. A bad rule or an expression that does not parse
 * is a 400 like on create; a transform that fails on this event is an outcome.
 */
export async function previewConnection(events: { get(auth: AuthContext, id: string): Promise<PreviewEvent> }, auth: AuthContext, req: PreviewRequest): Promise<PreviewResult> {
	const rules = req.filter_rules ?? []
	checkFilterRules(rules)
	const expression = req.transform_expression ?? null
	let transform: ReturnType<typeof compileTransform> | null = null
	if (expression !== null && expression.trim() !== '') {
		try {
			transform = compileTransform(expression)
		} catch (err) {
			if (err instanceof TransformSyntaxError) throw new ValidationFailed('/transform_expression', `is not a valid JSONata expression: ${err.message}`)
			throw err
		}
	}
	const event = await events.get(auth, req.event_id)
	const matched = compileFilters(rules)({ payload: event.payload, headers: event.headers, method: event.method, content_type: event.content_type, source_ip: event.source_ip })
	if (!transform) return { event_id: req.event_id, matched, output: event.payload, transform_error: null }
	if (event.payload === null) return { event_id: req.event_id, matched, output: null, transform_error: 'the event body is not JSON, so a transform cannot read it' }
	try {
		return { event_id: req.event_id, matched, output: await transform.apply(event.payload), transform_error: null }
	} catch (err) {
		return { event_id: req.event_id, matched, output: null, transform_error: err instanceof Error ? err.message : String(err) }
	}
}
