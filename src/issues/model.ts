import { Type as t } from '@sinclair/typebox'

const N = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer>>(s: T) => t.Union([s, t.Null()])
export const ISSUE_STATUSES = ['open', 'acknowledged', 'resolved'] as const

export const Issue = t.Object({
	id: t.String({ examples: ['iss_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	env_id: t.String(),
	destination_id: t.String(),
	destination_name: N(t.String()),
	error_type: t.String({ description: 'http_3xx | http_4xx | http_5xx | timeout | network_error | circuit_open | transform_error | provider_error (event_purged and connection_deleted close a delivery without opening an issue)' }),
	message: t.String(),
	status: t.String({ description: ISSUE_STATUSES.join(' | ') }),
	occurrence_count: t.Integer(),
	first_seen_at: t.String(),
	last_seen_at: t.String(),
	recent_attempt_ids: t.Array(t.String()),
	snoozed_until: N(t.String()),
	resolved_at: N(t.String()),
	created_at: t.String(),
	updated_at: t.String()
})

export const UpdateIssueBody = t.Object(
	{
		status: t.Optional(t.Union(ISSUE_STATUSES.map((s) => t.Literal(s)))),
		snoozed_until: t.Optional(t.Union([t.String({ description: 'ISO 8601 time to snooze until' }), t.Null()]))
	},
	{ additionalProperties: false, minProperties: 1 }
)
export type UpdateIssueBody = { status?: (typeof ISSUE_STATUSES)[number]; snoozed_until?: string | null }

export const IssueEnvelope = t.Object({ issue: Issue })
export const IssueList = t.Object({ issues: t.Array(Issue), pagination: t.Object({ total: t.Integer(), limit: t.Integer(), offset: t.Integer(), has_more: t.Boolean() }) })
export const IssueSummary = t.Object({ open: t.Integer(), acknowledged: t.Integer(), resolved: t.Integer() })
