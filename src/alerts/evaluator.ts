import { Periodic, type TickClaimer } from '../cluster/ticks'
import { type Clock, toIso } from '../lib/clock'
import type { Logger } from '../lib/log'
import { boundAt, floorTo, type Histogram, quantile } from '../metrics/histogram'
import type { MetricsRepo } from '../metrics/repo'
import type { ChannelsService } from './channels'
import type { RuleType } from './model'
import type { AlertPayload } from './payload'
import type { AlertsRepo, RuleRow } from './repo'
import type { createSignalsRepo, SignalScope } from './repo-signals'
import { type NormalizedRule, normalizeRuleConfig } from './rule-config'

/** Reference §3.9: a firing rule resolves once its condition has been clear this long. */
export const RESOLVE_AFTER_MS = 30 * 60_000

/** The rollups (minute buckets plus the not-yet-rolled tail) and the issues table. */
interface Signals { metrics: MetricsRepo; issues: ReturnType<typeof createSignalsRepo> }
interface Measure { value: number | null; breached: boolean }

const pct = (f: number) => `${(Math.round(f * 1000) / 10).toFixed(1)}%`

/** What each rule type measures over its window, and whether that breaches the threshold. */
/** Attempts of a scope from the minute rollups plus the tail: totals and the latency histogram. */
async function attemptsOf(m: MetricsRepo, s: SignalScope) {
	const snap = await m.attempts({ envId: s.envId, span: 'minute', from: s.from, to: s.to, destinationId: s.destinationId }, { latency: true })
	let total = 0
	let failed = 0
	let dlq = 0
	for (const r of [...snap.rolled.deliveries, ...snap.tail.deliveries]) {
		total += r.delivery_count
		failed += r.failure_count
		dlq += r.dlq_count
	}
	const h: Histogram = new Map()
	const add = (le: number, n: number) => h.set(le, (h.get(le) ?? 0) + n)
	for (const r of snap.hists) (JSON.parse(r.counts) as number[]).forEach((n, i) => n > 0 && add(boundAt(i), n))
	for (const r of snap.tail.latency) add(r.le_ms, r.count)
	return { total, failed, dlq, h }
}

async function eventsOf(m: MetricsRepo, s: SignalScope): Promise<number> {
	const snap = await m.volume({ envId: s.envId, span: 'minute', from: s.from, to: s.to, sourceId: s.sourceId })
	return [...snap.rolled, ...snap.tail].reduce((n, r) => n + r.event_count, 0)
}

async function measure(signals: Signals, type: RuleType, cfg: NormalizedRule, scope: SignalScope): Promise<Measure> {
	switch (type) {
		case 'failure_rate': {
			const a = await attemptsOf(signals.metrics, scope)
			const value = a.total === 0 ? null : a.failed / a.total
			return { value, breached: value !== null && value > cfg.threshold }
		}
		case 'latency': {
			const value = quantile((await attemptsOf(signals.metrics, scope)).h, cfg.percentile)
			return { value, breached: value !== null && value > cfg.threshold }
		}
		case 'volume_drop': {
			const length = scope.to - scope.from
			const [now, before] = await Promise.all([eventsOf(signals.metrics, scope), eventsOf(signals.metrics, { ...scope, from: scope.from - length, to: scope.from })])
			const value = before === 0 ? null : Math.max(0, (before - now) / before)
			return { value, breached: value !== null && value >= cfg.threshold }
		}
		case 'dlq': {
			const value = (await attemptsOf(signals.metrics, scope)).dlq
			return { value, breached: value > cfg.threshold }
		}
		case 'issue_opened': {
			const value = (await signals.issues.issuesOpened(scope)).length
			return { value, breached: value > 0 }
		}
	}
}

function describe(type: RuleType, cfg: NormalizedRule, value: number | null, resolved: boolean): string {
	const w = `${cfg.windowMs / 60_000} min`
	const p = `p${Math.round(cfg.percentile * 100)}`
	if (resolved) {
		const what = { failure_rate: 'Failure rate', latency: `${p} latency`, volume_drop: 'Event volume', dlq: 'Dead-lettered deliveries', issue_opened: 'No new issues' }[type]
		return `${what} back within the threshold: the condition has been clear for 30 minutes`
	}
	switch (type) {
		case 'failure_rate': return `Failure rate ${pct(value ?? 0)} over the last ${w} is above ${pct(cfg.threshold)}`
		case 'latency': return `${p} delivery latency ${value} ms over the last ${w} is above ${cfg.threshold} ms`
		case 'volume_drop': return `Event volume dropped ${pct(value ?? 0)} versus the previous ${w} (threshold ${pct(cfg.threshold)})`
		case 'dlq': return `${value} deliveries went to the dead-letter queue in the last ${w} (threshold ${cfg.threshold})`
		case 'issue_opened': return `${value} new issue${value === 1 ? '' : 's'} opened`
	}
}

/**
 * Evaluates every enabled rule every `--alert-interval-seconds`: notify when
 * breached and out of cooldown, resolve (and say so) after 30 clear minutes.
 */
export class AlertEvaluator {
	readonly periodic: Periodic
	#running: Promise<void> | null = null

	constructor(
		private readonly repo: AlertsRepo,
		private readonly signals: Signals,
		private readonly channels: ChannelsService,
		private readonly clock: Clock,
		private readonly log: Logger,
		intervalMs: number,
		/** Several instances: one evaluates each tick, so a breach is notified once, not once per instance. */
		ticks: TickClaimer | null = null
	) {
		this.periodic = new Periodic('alerts.evaluate', intervalMs, () => this.evaluate(), ticks)
	}

	start(): void {
		this.periodic.start()
	}

	evaluate(): Promise<void> {
		this.#running ??= this.#evaluateAll().finally(() => {
			this.#running = null
		})
		return this.#running
	}

	async #evaluateAll(): Promise<void> {
		for (const rule of await this.repo.enabledRules()) {
			try {
				await this.#evaluate(rule)
			} catch (err) {
				this.log.error('alert rule evaluation failed', { rule_id: rule.id, error: err instanceof Error ? err.message : String(err) })
			}
		}
	}

	async #evaluate(rule: RuleRow): Promise<void> {
		const now = this.clock.now()
		const type = rule.rule_type as RuleType
		const cfg = normalizeRuleConfig(type, JSON.parse(rule.rule_config) as Record<string, unknown>)
		// issue_opened looks at what opened since the last look; the others at their window in whole minutes.
		const from = type === 'issue_opened' ? (rule.last_evaluated_at ?? rule.created_at) : floorTo('minute', now - cfg.windowMs)
		const m = await measure(this.signals, type, cfg, { envId: rule.env_id, sourceId: rule.source_id, destinationId: rule.destination_id, from, to: now })
		let { state, trigger_count: count, last_triggered_at: triggeredAt, last_breach_at: breachAt } = rule
		let message: AlertPayload | null = null
		if (m.breached) {
			breachAt = now
			if (triggeredAt === null || now - triggeredAt >= rule.cooldown_minutes * 60_000) {
				state = 'firing'
				triggeredAt = now
				count++
				message = this.#payload(rule, type, cfg, m.value, now, false)
			}
		} else if (state === 'firing' && breachAt !== null && now - breachAt >= RESOLVE_AFTER_MS) {
			state = 'ok'
			message = this.#payload(rule, type, cfg, m.value, now, true)
		}
		// Recorded before notifying, and only over the evaluation this one started from: when
		// another instance evaluated the rule meanwhile (a pass overrunning its tick), that one
		// decided and notified, so this one sends nothing.
		const recorded = await this.repo.recordEvaluation(rule.id, { state, lastBreachAt: breachAt, evaluatedAt: now, value: m.value, lastTriggeredAt: triggeredAt, triggerCount: count }, rule.last_evaluated_at)
		if (recorded && message) await this.#notify(rule, message)
	}

	#payload(rule: RuleRow, type: RuleType, cfg: NormalizedRule, value: number | null, now: number, resolved: boolean): AlertPayload {
		return {
			type: resolved ? 'alert.resolved' : 'alert.triggered',
			alert: {
				rule_id: rule.id, rule_name: rule.name, rule_type: type, status: resolved ? 'resolved' : 'triggered', source_id: rule.source_id, destination_id: rule.destination_id,
				value, threshold: cfg.threshold, window_minutes: type === 'issue_opened' ? null : cfg.windowMs / 60_000, message: describe(type, cfg, value, resolved),
				triggered_at: toIso(resolved ? rule.last_triggered_at : now), resolved_at: resolved ? toIso(now) : null
			},
			sent_at: toIso(now)
		}
	}

	async #notify(rule: RuleRow, payload: AlertPayload): Promise<void> {
		for (const id of JSON.parse(rule.channel_ids) as string[]) {
			const channel = await this.repo.channel(id)
			if (!channel || channel.enabled !== 1 || channel.env_id !== rule.env_id) continue
			const error = await this.channels.deliver(channel, payload)
			if (error !== null) this.log.warn('alert notification failed', { rule_id: rule.id, channel_id: id, error })
		}
	}

	async stop(): Promise<void> {
		this.periodic.stop()
		await this.#running
	}
}
