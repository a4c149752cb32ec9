import { Type as t } from '@sinclair/typebox'

const Iso = (description: string) => t.Optional(t.String({ description, examples: ['2026-03-01T00:00:00.000Z'] }))
const Granularity = t.Optional(t.Union([t.Literal('hour'), t.Literal('day')], { description: 'Bucket size (UTC); default hour' }))
const Scope = { org_id: t.Optional(t.String()), env_id: t.Optional(t.String()) }

export const VolumeQuery = t.Object(
	{ after: Iso('Start of the window (inclusive; default 24 h ago)'), before: Iso('End of the window (exclusive; default now)'), source_id: t.Optional(t.String()), granularity: Granularity, ...Scope },
	{ additionalProperties: false }
)
export const DeliveriesQuery = t.Object(
	{ after: Iso('Start of the window (inclusive; default 24 h ago)'), before: Iso('End of the window (exclusive; default now)'), destination_id: t.Optional(t.String()), granularity: Granularity, ...Scope },
	{ additionalProperties: false }
)
export const LatencyQuery = t.Object(
	{ after: Iso('Start of the window (inclusive; default 24 h ago)'), before: Iso('End of the window (exclusive; default now)'), destination_id: t.Optional(t.String()), ...Scope },
	{ additionalProperties: false }
)
export const ErrorsQuery = LatencyQuery

export const Overview = t.Object({
	events_today: t.Integer({ description: 'Events received since 00:00 UTC' }),
	events_this_week: t.Integer({ description: 'Events received over the last 7 UTC days, today included' }),
	active_sources: t.Integer(),
	deliveries_today: t.Integer({ description: 'Delivery attempts since 00:00 UTC' }),
	success_today: t.Integer(),
	failed_today: t.Integer(),
	success_rate_today: t.Union([t.Number(), t.Null()], { description: 'success_today ÷ deliveries_today as a percentage (0–100, two decimals); null without deliveries' }),
	dlq_count: t.Integer({ description: 'Attempts that sent a delivery to the dead-letter queue (kept as long as the metrics rollups)' }),
	active_destinations: t.Integer(),
	open_issues: t.Integer(),
	active_collections: t.Integer({ description: 'Always 0: collections are not part of this server yet' })
})

export const VolumeSeries = t.Object({
	series: t.Array(t.Object({ bucket: t.String(), source_id: t.String(), source_name: t.Union([t.String(), t.Null()]), event_count: t.Integer({ description: 'Events stored (duplicates included)' }) })),
	granularity: t.String()
})

export const DeliveriesSeries = t.Object({
	series: t.Array(t.Object({
		bucket: t.String(), destination_id: t.String(), destination_name: t.Union([t.String(), t.Null()]),
		delivery_count: t.Integer({ description: 'Delivery attempts in the bucket' }), success_count: t.Integer(), failure_count: t.Integer(),
		dlq_count: t.Integer({ description: 'Failed attempts that were the last (the delivery went to the DLQ)' }),
		success_rate: t.Number({ description: 'success_count ÷ delivery_count, percent' })
	})),
	granularity: t.String()
})

export const LatencySeries = t.Object({
	series: t.Array(t.Object({
		bucket: t.String(), destination_id: t.String(), destination_name: t.Union([t.String(), t.Null()]),
		count: t.Integer({ description: 'Attempts with a measured duration' }),
		p50: t.Integer({ description: 'Milliseconds: the upper bound of the histogram bucket holding the 50th percentile' }),
		p95: t.Integer(), p99: t.Integer()
	})),
	granularity: t.Literal('hour'),
	bounds_ms: t.Array(t.Integer(), { description: 'The latency histogram\'s bucket upper bounds: percentiles are exact to this resolution' })
})

export const ErrorBreakdown = t.Object({
	errors: t.Array(t.Object({ destination_id: t.String(), destination_name: t.Union([t.String(), t.Null()]), error_type: t.String(), count: t.Integer() })),
	total: t.Integer()
})
