import { Type as t } from '@sinclair/typebox'

const N = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer>>(s: T) => t.Union([s, t.Null()])

/** The reference's DeliveryAttempt row (OpenAPI), plus `error_type` and the hand-written guide's `status_code` / `latency_ms` aliases. */
export const DeliveryAttempt = t.Object({
	id: t.String({ examples: ['da_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	env_id: t.String(),
	event_id: t.String(),
	connection_id: t.String(),
	destination_id: t.String(),
	request_url: t.String(),
	request_method: t.String(),
	request_headers: N(t.String({ description: 'JSON string; credentials masked' })),
	request_body_size: t.Integer(),
	response_status: N(t.Integer()),
	status_code: N(t.Integer({ description: 'Alias of response_status (the reference guide’s name)' })),
	response_headers: N(t.String({ description: 'JSON string' })),
	response_body: N(t.String({ description: 'First 10 KB' })),
	duration_ms: N(t.Integer()),
	latency_ms: N(t.Integer({ description: 'Alias of duration_ms (the reference guide’s name)' })),
	status: t.String({ description: 'success | failed' }),
	error: N(t.String()),
	error_type: N(t.String({ description: 'http_3xx | http_4xx | http_5xx | timeout | network_error | transform_error | provider_error | event_purged | connection_deleted' })),
	created_at: t.String(),
	attempt_number: N(t.Integer()),
	next_retry_at: N(t.String()),
	is_dlq: N(t.Integer()),
	dlq_at: N(t.String()),
	trigger_type: N(t.String({ description: 'initial | retry | manual_retry | probe' })),
	connection_name: N(t.String()),
	destination_name: N(t.String())
})

export const AttemptPagination = t.Object({ total: t.Integer(), limit: t.Integer(), offset: t.Integer(), has_more: t.Boolean(), next_cursor: t.Union([t.String(), t.Null()]) })
export const AttemptList = t.Object({ delivery_attempts: t.Array(DeliveryAttempt), pagination: AttemptPagination })
export const AttemptEnvelope = t.Object({ delivery_attempt: DeliveryAttempt })
export const RetryResult = t.Object({
	retried: t.Array(t.String({ description: 'Ids of the DLQ attempts whose deliveries were queued again' })),
	errors: t.Optional(t.Array(t.String())),
	message: t.String()
})
