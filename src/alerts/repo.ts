import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue } from '../db/sql'
import * as Q from './repo-sql'
import { CHANNEL_COLUMNS, RULE_COLUMNS, updateSql } from './repo-sql'

export interface ChannelRow {
	id: string
	org_id: string
	env_id: string
	name: string
	channel_type: string
	/** Sealed JSON (SecretBox). */
	config: string
	enabled: number
	last_sent_at: number | null
	error_count: number
	last_error: string | null
	created_at: number
	updated_at: number
}

export interface RuleRow {
	id: string
	org_id: string
	env_id: string
	name: string
	description: string | null
	enabled: number
	rule_type: string
	rule_config: string
	source_id: string | null
	destination_id: string | null
	channel_ids: string
	cooldown_minutes: number
	last_triggered_at: number | null
	trigger_count: number
	state: string
	last_breach_at: number | null
	last_evaluated_at: number | null
	last_value: number | null
	created_at: number
	updated_at: number
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>

/** The outcome of one rule evaluation. */
export interface Evaluation { state: string; lastBreachAt: number | null; evaluatedAt: number; value: number | null; lastTriggeredAt: number | null; triggerCount: number }

export function createAlertsRepo(db: Database) {
	const insertChannel = prepare(db, Q.INSERT_CHANNEL)
	const channelById = prepare<ChannelRow, [string]>(db, Q.CHANNEL_BY_ID)
	const channelsOfEnv = prepare<ChannelRow, [string]>(db, Q.CHANNELS_OF_ENV)
	const deleteChannel = prepare(db, Q.DELETE_CHANNEL)
	const sent = prepare(db, Q.CHANNEL_SENT)
	const failed = prepare(db, Q.CHANNEL_FAILED)
	const insertRule = prepare(db, Q.INSERT_RULE)
	const ruleById = prepare<RuleRow, [string]>(db, Q.RULE_BY_ID)
	const rulesOfEnv = prepare<RuleRow, [string]>(db, Q.RULES_OF_ENV)
	const enabledRules = prepare<RuleRow, []>(db, Q.ENABLED_RULES)
	const deleteRule = prepare(db, Q.DELETE_RULE)
	const evaluated = prepare(db, Q.RECORD_EVALUATION)

	return {
		async insertChannel(row: ChannelRow): Promise<void> {
			insertChannel.run(...CHANNEL_COLUMNS.map((c) => row[c]))
		},
		async channel(id: string): Promise<ChannelRow | null> {
			return channelById.get(id)
		},
		async channels(envId: string): Promise<ChannelRow[]> {
			return channelsOfEnv.all(envId)
		},
		async updateChannel(id: string, fields: Partial<ChannelRow>): Promise<void> {
			const cols = Object.keys(fields).filter((c) => (CHANNEL_COLUMNS as readonly string[]).includes(c) && c !== 'id')
			prepare<unknown, SqlValue[]>(db, updateSql('notification_channels', cols)).run(id, ...cols.map((c) => fields[c as keyof ChannelRow] as SqlValue))
		},
		async deleteChannel(id: string): Promise<void> {
			deleteChannel.run(id)
		},
		/** The outcome of one send: `last_sent_at` always, the error counters on failure. */
		async recordSend(id: string, at: number, error: string | null): Promise<void> {
			if (error === null) sent.run(id, at)
			else failed.run(id, at, error)
		},
		async insertRule(row: RuleRow): Promise<void> {
			insertRule.run(...RULE_COLUMNS.map((c) => row[c]))
		},
		async rule(id: string): Promise<RuleRow | null> {
			return ruleById.get(id)
		},
		async rules(envId: string): Promise<RuleRow[]> {
			return rulesOfEnv.all(envId)
		},
		async enabledRules(): Promise<RuleRow[]> {
			return enabledRules.all()
		},
		async updateRule(id: string, fields: Partial<RuleRow>): Promise<void> {
			const cols = Object.keys(fields).filter((c) => (RULE_COLUMNS as readonly string[]).includes(c) && c !== 'id')
			prepare<unknown, SqlValue[]>(db, updateSql('alert_rules', cols)).run(id, ...cols.map((c) => fields[c as keyof RuleRow] as SqlValue))
		},
		async deleteRule(id: string): Promise<void> {
			deleteRule.run(id)
		},
		/** Records an evaluation over the one read before it (`after`); false when another evaluation was recorded meanwhile. */
		async recordEvaluation(id: string, s: Evaluation, after: number | null): Promise<boolean> {
			return evaluated.run(id, s.state, s.lastBreachAt, s.evaluatedAt, s.value, s.lastTriggeredAt, s.triggerCount, after).changes > 0
		}
	}
}
