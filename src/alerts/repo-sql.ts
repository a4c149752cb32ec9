import { valuesList } from '../db/sql'

/** The alerts SQL both engines run as written (src/alerts/repo.ts, repo-pg.ts, repo-signals.ts). */

export const CHANNEL_COLUMNS = ['id', 'org_id', 'env_id', 'name', 'channel_type', 'config', 'enabled', 'last_sent_at', 'error_count', 'last_error', 'created_at', 'updated_at'] as const
export const RULE_COLUMNS = [
	'id', 'org_id', 'env_id', 'name', 'description', 'enabled', 'rule_type', 'rule_config', 'source_id', 'destination_id', 'channel_ids', 'cooldown_minutes',
	'last_triggered_at', 'trigger_count', 'state', 'last_breach_at', 'last_evaluated_at', 'last_value', 'created_at', 'updated_at'
] as const

export function insertSql(table: string, columns: readonly string[]): string {
	return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${valuesList(1, columns.length)}`
}

/** UPDATE of the given columns only (a PATCH's fields); column names come from the callers' fixed lists. */
export function updateSql(table: string, columns: string[]): string {
	return `UPDATE ${table} SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`
}

export const INSERT_CHANNEL = insertSql('notification_channels', CHANNEL_COLUMNS)
export const CHANNEL_BY_ID = 'SELECT * FROM notification_channels WHERE id = $1'
export const CHANNELS_OF_ENV = 'SELECT * FROM notification_channels WHERE env_id = $1 ORDER BY id DESC'
export const DELETE_CHANNEL = 'DELETE FROM notification_channels WHERE id = $1'
export const CHANNEL_SENT = 'UPDATE notification_channels SET last_sent_at = $2, last_error = NULL, updated_at = $2 WHERE id = $1'
export const CHANNEL_FAILED = 'UPDATE notification_channels SET last_sent_at = $2, error_count = error_count + 1, last_error = $3, updated_at = $2 WHERE id = $1'
export const INSERT_RULE = insertSql('alert_rules', RULE_COLUMNS)
export const RULE_BY_ID = 'SELECT * FROM alert_rules WHERE id = $1'
export const RULES_OF_ENV = 'SELECT * FROM alert_rules WHERE env_id = $1 ORDER BY id DESC'
export const ENABLED_RULES = 'SELECT * FROM alert_rules WHERE enabled = 1 ORDER BY id'
export const DELETE_RULE = 'DELETE FROM alert_rules WHERE id = $1'
/** Only over the evaluation the caller read (`$8`, null for none yet): two instances never both record one. */
export const RECORD_EVALUATION = `UPDATE alert_rules SET state = $2, last_breach_at = $3, last_evaluated_at = $4, last_value = $5,
	last_triggered_at = $6, trigger_count = $7 WHERE id = $1 AND last_evaluated_at IS NOT DISTINCT FROM $8`

/** Issues opened in a window (repo-signals): `where` from whereOf over env, created_at and destination. */
export const ISSUES_OPENED = (where: string) => `SELECT id, destination_id, error_type, message FROM issues WHERE ${where} ORDER BY id`
