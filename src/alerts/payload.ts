import type { RuleType } from './model'

/**
 * The one alert payload (README "Alert notifications"): webhook channels get it
 * as the JSON body; Slack, Discord and email render the same fields in their
 * own formats.
 */
export interface AlertPayload {
	type: 'alert.triggered' | 'alert.resolved' | 'alert.test'
	alert: {
		rule_id: string | null
		rule_name: string
		rule_type: RuleType | null
		status: 'triggered' | 'resolved' | 'test'
		source_id: string | null
		destination_id: string | null
		/** What was measured: a fraction (failure_rate, volume_drop), milliseconds (latency) or a count (dlq, issue_opened). */
		value: number | null
		threshold: number | null
		window_minutes: number | null
		message: string
		triggered_at: string | null
		resolved_at: string | null
	}
	sent_at: string
}

const TITLES = { triggered: 'Alert triggered', resolved: 'Alert resolved', test: 'Test notification' } as const

export function titleOf(p: AlertPayload): string {
	return `${TITLES[p.alert.status]}: ${p.alert.rule_name}`
}

function facts(p: AlertPayload): [string, string][] {
	const a = p.alert
	const out: [string, string][] = []
	if (a.rule_type) out.push(['Rule type', a.rule_type])
	if (a.value !== null) out.push(['Value', String(a.value)])
	if (a.threshold !== null) out.push(['Threshold', String(a.threshold)])
	if (a.window_minutes !== null) out.push(['Window', `${a.window_minutes} min`])
	if (a.source_id) out.push(['Source', a.source_id])
	if (a.destination_id) out.push(['Destination', a.destination_id])
	return out
}

/** Slack incoming webhook: `text` (the notification fallback) plus Block Kit blocks. */
export function slackMessage(p: AlertPayload) {
	const f = facts(p)
	return {
		text: `${titleOf(p)}: ${p.alert.message}`,
		blocks: [
			{ type: 'header', text: { type: 'plain_text', text: titleOf(p).slice(0, 150) } },
			{ type: 'section', text: { type: 'mrkdwn', text: p.alert.message } },
			...(f.length > 0 ? [{ type: 'section', fields: f.map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}` })) }] : []),
			{ type: 'context', elements: [{ type: 'mrkdwn', text: `hookstream · ${p.sent_at}` }] }
		]
	}
}

const COLORS = { triggered: 0xd93f0b, resolved: 0x2da44e, test: 0x0969da } as const

/** Discord webhook: `content` plus one embed. */
export function discordMessage(p: AlertPayload) {
	return {
		content: `${titleOf(p)}: ${p.alert.message}`.slice(0, 2000),
		embeds: [{
			title: titleOf(p).slice(0, 256),
			description: p.alert.message.slice(0, 4096),
			color: COLORS[p.alert.status],
			fields: facts(p).map(([name, value]) => ({ name, value, inline: true })),
			timestamp: p.sent_at
		}]
	}
}

/** Plain-text email: the message and facts, then the JSON payload for machines. */
export function emailMessage(p: AlertPayload): { subject: string; text: string } {
	const lines = [p.alert.message, '', ...facts(p).map(([k, v]) => `${k}: ${v}`), '', 'Payload:', JSON.stringify(p, null, 2)]
	return { subject: `[hookstream] ${titleOf(p)}`, text: lines.join('\n') }
}
