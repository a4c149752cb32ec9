import type { AuthContext } from '../auth/service'
import { toIso } from '../lib/clock'
import { NotFound } from '../lib/errors'
import { pageOf, seekFrom } from '../lib/pagination'
import type { AttemptListRow, AttemptsRepo } from './repo'

function wire(r: AttemptListRow) {
	return {
		id: r.id, org_id: r.org_id, env_id: r.env_id, event_id: r.event_id, connection_id: r.connection_id,
		destination_id: r.destination_id, request_url: r.request_url, request_method: r.request_method,
		request_headers: r.request_headers, request_body_size: r.request_body_size, response_status: r.response_status, status_code: r.response_status,
		response_headers: r.response_headers, response_body: r.response_body, duration_ms: r.duration_ms, latency_ms: r.duration_ms, status: r.status,
		error: r.error, error_type: r.error_type, created_at: toIso(r.created_at), attempt_number: r.attempt_number,
		next_retry_at: toIso(r.next_retry_at), is_dlq: r.is_dlq, dlq_at: toIso(r.dlq_at), trigger_type: r.trigger_type,
		connection_name: r.connection_name, destination_name: r.destination_name
	}
}

export interface ListAttemptsOptions {
	event_id?: string | undefined
	connection_id?: string | undefined
	destination_id?: string | undefined
	status?: string | undefined
	is_dlq?: string | undefined
	cursor?: string | undefined
	limit?: number | undefined
	offset?: number | undefined
}

/** The attempt history: every try of every delivery, newest first. */
export class AttemptsService {
	constructor(private readonly repo: AttemptsRepo) {}

	async list(auth: AuthContext, q: ListAttemptsOptions) {
		const limit = q.limit ?? 50
		const offset = q.offset ?? 0
		const filter = { envId: auth.envId, eventId: q.event_id, connectionId: q.connection_id, destinationId: q.destination_id, status: q.status, dlqOnly: q.is_dlq === '1' || q.is_dlq === 'true' }
		const seek = seekFrom(q.cursor, 'da')
		const [rows, total] = await Promise.all([this.repo.list(filter, seek, { limit: limit + 1, offset }), this.repo.count(filter)])
		const { items, has_more, next_cursor } = pageOf(rows, limit, seek, offset)
		return { delivery_attempts: items.map(wire), pagination: { total, limit, offset, has_more, next_cursor } }
	}

	async get(auth: AuthContext, id: string) {
		const row = await this.repo.findById(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Delivery attempt')
		return wire(row)
	}
}
