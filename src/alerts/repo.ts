import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue } from '../db/sql'

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

const CHANNEL_COLUMNS = ['id', 'org_id', 'env_id', 'name', 'channel_type', 'config', 'enabled', 'last_sent_at', 'error_count', 'last_error', 'created_at', 'updated_at'] as const
const RULE_COLUMNS = [
	'id', 'org_id', 'env_id', 'name', 'description', 'enabled', 'rule_type', 'rule_config', 'source_id', 'destination_id', 'channel_ids', 'cooldown_minutes',
	'last_triggered_at', 'trigger_count', 'state', 'last_breach_at', 'last_evaluated_at', 'last_value', 'created_at', 'updated_at'
] as const

function insertSql(table: string, columns: readonly string[]): string {
	return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`
}

/** UPDATE of the given columns only (a PATCH's fields); column names come from the callers' fixed lists. */
function updateSql(table: string, columns: string[]): string {
	return `UPDATE ${table} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>

export function createAlertsRepo(db: Database) {
	const insertChannel = prepare(db, insertSql('notification_channels', CHANNEL_COLUMNS))
	const channelById = prepare<ChannelRow, [string]>(db, 'SELECT * FROM notification_channels WHERE id = $1')
	const channelsOfEnv = prepare<ChannelRow, [string]>(db, 'SELECT * FROM notification_channels WHERE env_id = $1 ORDER BY id DESC')
	const deleteChannel = prepare(db, 'DELETE FROM notification_channels WHERE id = $1')
	const sent = prepare(db, 'UPDATE notification_channels SET last_sent_at = $2, last_error = NULL, updated_at = $2 WHERE id = $1')
	const failed = prepare(db, 'UPDATE notification_channels SET last_sent_at = $2, error_count = error_count + 1, last_error = $3, updated_at = $2 WHERE id = $1')
	const insertRule = prepare(db, insertSql('alert_rules', RULE_COLUMNS))
	const ruleById = prepare<RuleRow, [string]>(db, 'SELECT * FROM alert_rules WHERE id = $1')
	const rulesOfEnv = prepare<RuleRow, [string]>(db, 'SELECT * FROM alert_rules WHERE env_id = $1 ORDER BY id DESC')
	const enabledRules = prepare<RuleRow, []>(db, 'SELECT * FROM alert_rules WHERE enabled = 1 ORDER BY id')
	const deleteRule = prepare(db, 'DELETE FROM alert_rules WHERE id = $1')
	const evaluated = prepare(db, `UPDATE alert_rules SET state = $2, last_breach_at = $3, last_evaluated_at = $4, last_value = $5,
		last_triggered_at = $6, trigger_count = $7 WHERE id = $1`)

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
		async recordEvaluation(id: string, s: { state: string; lastBreachAt: number | null; evaluatedAt: number; value: number | null; lastTriggeredAt: number | null; triggerCount: number }): Promise<void> {
			evaluated.run(id, s.state, s.lastBreachAt, s.evaluatedAt, s.value, s.lastTriggeredAt, s.triggerCount)
		}
	}
}
