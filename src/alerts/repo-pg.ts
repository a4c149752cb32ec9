import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import type { ChannelRow, createAlertsRepo, Evaluation, RuleRow } from './repo'
import * as Q from './repo-sql'
import { CHANNEL_COLUMNS, RULE_COLUMNS, updateSql } from './repo-sql'

/** The PostgreSQL alerts repo: the SQLite one's statements as written (reads retried once on a lost connection). */
export function createAlertsRepoPg(pg: Pg): ReturnType<typeof createAlertsRepo> {
	const read = retryRead
	return {
		async insertChannel(row: ChannelRow): Promise<void> {
			await pg.run(Q.INSERT_CHANNEL, CHANNEL_COLUMNS.map((c) => row[c]))
		},
		async channel(id: string): Promise<ChannelRow | null> {
			return read(() => pg.get<ChannelRow>(Q.CHANNEL_BY_ID, [id]))
		},
		async channels(envId: string): Promise<ChannelRow[]> {
			return read(() => pg.all<ChannelRow>(Q.CHANNELS_OF_ENV, [envId]))
		},
		async updateChannel(id: string, fields: Partial<ChannelRow>): Promise<void> {
			const cols = Object.keys(fields).filter((c) => (CHANNEL_COLUMNS as readonly string[]).includes(c) && c !== 'id')
			if (cols.length > 0) await pg.run(updateSql('notification_channels', cols), [id, ...cols.map((c) => fields[c as keyof ChannelRow])])
		},
		async deleteChannel(id: string): Promise<void> {
			await pg.run(Q.DELETE_CHANNEL, [id])
		},
		/** The outcome of one send: `last_sent_at` always, the error counters on failure. */
		async recordSend(id: string, at: number, error: string | null): Promise<void> {
			if (error === null) await pg.run(Q.CHANNEL_SENT, [id, at])
			else await pg.run(Q.CHANNEL_FAILED, [id, at, error])
		},
		async insertRule(row: RuleRow): Promise<void> {
			await pg.run(Q.INSERT_RULE, RULE_COLUMNS.map((c) => row[c]))
		},
		async rule(id: string): Promise<RuleRow | null> {
			return read(() => pg.get<RuleRow>(Q.RULE_BY_ID, [id]))
		},
		async rules(envId: string): Promise<RuleRow[]> {
			return read(() => pg.all<RuleRow>(Q.RULES_OF_ENV, [envId]))
		},
		async enabledRules(): Promise<RuleRow[]> {
			return read(() => pg.all<RuleRow>(Q.ENABLED_RULES))
		},
		async updateRule(id: string, fields: Partial<RuleRow>): Promise<void> {
			const cols = Object.keys(fields).filter((c) => (RULE_COLUMNS as readonly string[]).includes(c) && c !== 'id')
			if (cols.length > 0) await pg.run(updateSql('alert_rules', cols), [id, ...cols.map((c) => fields[c as keyof RuleRow])])
		},
		async deleteRule(id: string): Promise<void> {
			await pg.run(Q.DELETE_RULE, [id])
		},
		async recordEvaluation(id: string, s: Evaluation, after: number | null): Promise<boolean> {
			return (await pg.run(Q.RECORD_EVALUATION, [id, s.state, s.lastBreachAt, s.evaluatedAt, s.value, s.lastTriggeredAt, s.triggerCount, after])) > 0
		}
	}
}
