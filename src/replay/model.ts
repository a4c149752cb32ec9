import { Type as t } from '@sinclair/typebox'
import { FilterRule } from '../routing/filters'

const N = <T extends ReturnType<typeof t.String>>(s: T) => t.Union([s, t.Null()])

export const CreateReplayBody = t.Object(
	{
		destination_id: t.String(),
		source_id: t.Optional(t.String({ description: 'Only events of this source' })),
		connection_id: t.Optional(t.String({ description: 'Only through this connection (to destination_id)' })),
		from: t.String({ description: 'ISO 8601: events received at or after', examples: ['2026-03-01T00:00:00.000Z'] }),
		to: t.String({ description: 'ISO 8601: events received at or before', examples: ['2026-03-02T00:00:00.000Z'] }),
		filter: t.Optional(t.Union([
			t.Record(t.String(), t.Unknown(), { description: 'Field → value equalities, e.g. {"payload.type": "order.created"}' }),
			t.Array(FilterRule, { maxItems: 50, description: 'Filter rules in the connection filter syntax' })
		])),
		rate_limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'Events per second (default 10)' })),
		max_events: t.Optional(t.Integer({ minimum: 1, maximum: 10000, description: 'Default 1000' }))
	},
	{ additionalProperties: false }
)
export type CreateReplayBody = {
	destination_id: string; source_id?: string; connection_id?: string; from: string; to: string
	filter?: Record<string, unknown> | FilterRule[]; rate_limit?: number; max_events?: number
}

export const ReplayJob = t.Object({
	id: t.String({ examples: ['rpl_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	destination_id: t.String(),
	source_id: N(t.String()),
	connection_id: N(t.String()),
	from: t.String(),
	to: t.String(),
	filter: N(t.String({ description: 'JSON text of the filter rules' })),
	rate_limit: t.Integer(),
	max_events: t.Integer(),
	status: t.String({ description: 'running | completed | failed | cancelled' }),
	total: t.Integer({ description: 'Events selected (at most max_events)' }),
	enqueued: t.Integer({ description: 'Handed to the delivery pipeline so far' }),
	processed: t.Integer({ description: 'Finished: succeeded + failed + skipped' }),
	succeeded: t.Integer(),
	failed: t.Integer({ description: 'Deliveries that ended in the dead-letter queue' }),
	skipped: t.Integer({ description: 'Not sent: the event, connection or destination was deleted first, or the job was cancelled' }),
	error: N(t.String()),
	started_at: t.String(),
	completed_at: N(t.String()),
	created_at: t.String()
})

export const ReplayEnvelope = t.Object({ job: ReplayJob })
export const ReplayList = t.Object({ jobs: t.Array(ReplayJob) })
