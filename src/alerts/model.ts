import { Type as t } from '@sinclair/typebox'

const N = <T extends ReturnType<typeof t.String> | ReturnType<typeof t.Integer> | ReturnType<typeof t.Number>>(s: T) => t.Union([s, t.Null()])
export const CHANNEL_TYPES = ['webhook', 'slack', 'discord', 'email'] as const
export const RULE_TYPES = ['failure_rate', 'latency', 'volume_drop', 'dlq', 'issue_opened'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]
export type RuleType = (typeof RULE_TYPES)[number]

const ChannelConfig = t.Record(t.String(), t.Unknown(), {
	description: 'webhook: {url, secret?} (HMAC-SHA256 of the body in X-hookstream-Signature: sha256=<hex> when secret is set); slack and discord: {url} (the incoming-webhook URL); email: {to: ["ops@example.com"]} (sent through --smtp-url)'
})

export const Channel = t.Object({
	id: t.String({ examples: ['nc_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	env_id: t.String(),
	name: t.String(),
	channel_type: t.String({ description: CHANNEL_TYPES.join(' | ') }),
	config: t.String({ description: 'JSON text; credentials (secret, Slack/Discord webhook URLs) masked to their last 4 characters' }),
	enabled: t.Integer(),
	last_sent_at: N(t.String()),
	error_count: t.Integer(),
	last_error: N(t.String()),
	created_at: t.String(),
	updated_at: t.String()
})

export const CreateChannelBody = t.Object(
	{
		name: t.String({ minLength: 1, maxLength: 200 }),
		channel_type: t.Union(CHANNEL_TYPES.map((c) => t.Literal(c))),
		config: ChannelConfig,
		enabled: t.Optional(t.Boolean())
	},
	{ additionalProperties: false }
)
export type CreateChannelBody = { name: string; channel_type: ChannelType; config: Record<string, unknown>; enabled?: boolean }

export const UpdateChannelBody = t.Object(
	{ name: t.Optional(t.String({ minLength: 1, maxLength: 200 })), config: t.Optional(ChannelConfig), enabled: t.Optional(t.Boolean()) },
	{ additionalProperties: false, minProperties: 1 }
)
export type UpdateChannelBody = { name?: string; config?: Record<string, unknown>; enabled?: boolean }

export const ChannelEnvelope = t.Object({ channel: Channel })
export const ChannelList = t.Object({ channels: t.Array(Channel) })
export const ChannelTestResult = t.Object({ success: t.Boolean(), error: N(t.String()) })

const RuleConfig = t.Record(t.String(), t.Unknown(), {
	description: 'failure_rate: {threshold} as a fraction (0.1) or a percent (10); latency: {threshold_ms (or threshold), percentile_target 50|95|99 (default 95)}; volume_drop: {threshold} drop versus the previous window, fraction or percent; dlq: {threshold} dead-lettered deliveries in the window; issue_opened: {}. Every type also takes window_minutes (default 15, 1–1440).'
})

export const Rule = t.Object({
	id: t.String({ examples: ['ar_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }),
	org_id: t.String(),
	env_id: t.String(),
	name: t.String(),
	description: N(t.String()),
	enabled: t.Integer(),
	rule_type: t.String({ description: RULE_TYPES.join(' | ') }),
	rule_config: t.String({ description: 'JSON text' }),
	source_id: N(t.String()),
	destination_id: N(t.String()),
	channel_ids: t.String({ description: 'JSON array text' }),
	cooldown_minutes: t.Integer(),
	last_triggered_at: N(t.String()),
	trigger_count: t.Integer(),
	state: t.String({ description: 'ok | firing (firing until the condition has been clear for 30 minutes)' }),
	last_evaluated_at: N(t.String()),
	last_value: N(t.Number()),
	created_at: t.String(),
	updated_at: t.String()
})

const Scope = {
	source_id: t.Optional(t.Union([t.String(), t.Null()], { description: 'volume_drop rules only' })),
	destination_id: t.Optional(t.Union([t.String(), t.Null()], { description: 'Every rule type but volume_drop' }))
}

export const CreateRuleBody = t.Object(
	{
		name: t.String({ minLength: 1, maxLength: 200 }),
		description: t.Optional(t.Union([t.String({ maxLength: 2000 }), t.Null()])),
		rule_type: t.Union(RULE_TYPES.map((r) => t.Literal(r))),
		rule_config: t.Optional(RuleConfig),
		...Scope,
		channel_ids: t.Optional(t.Array(t.String(), { maxItems: 20 })),
		cooldown_minutes: t.Optional(t.Integer({ minimum: 0, maximum: 10080, description: 'Default 60' })),
		enabled: t.Optional(t.Boolean())
	},
	{ additionalProperties: false }
)
export type CreateRuleBody = {
	name: string; description?: string | null; rule_type: RuleType; rule_config?: Record<string, unknown>; source_id?: string | null; destination_id?: string | null
	channel_ids?: string[]; cooldown_minutes?: number; enabled?: boolean
}

export const UpdateRuleBody = t.Object(
	{
		name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
		description: t.Optional(t.Union([t.String({ maxLength: 2000 }), t.Null()])),
		enabled: t.Optional(t.Boolean()),
		rule_config: t.Optional(RuleConfig),
		...Scope,
		channel_ids: t.Optional(t.Array(t.String(), { maxItems: 20 })),
		cooldown_minutes: t.Optional(t.Integer({ minimum: 0, maximum: 10080 }))
	},
	{ additionalProperties: false, minProperties: 1 }
)
export type UpdateRuleBody = Partial<Omit<CreateRuleBody, 'rule_type'>>

export const RuleEnvelope = t.Object({ alert_rule: Rule })
export const RuleList = t.Object({ alert_rules: t.Array(Rule) })
