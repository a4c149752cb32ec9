import { ValidationFailed } from '../lib/errors'
import type { RuleType } from './model'

/** A rule's settings after reading both scales the reference allows. */
export interface NormalizedRule {
	/** failure_rate and volume_drop: a fraction; latency: ms; dlq: a count. */
	threshold: number
	windowMs: number
	/** latency only: 0.5, 0.95 or 0.99. */
	percentile: number
}

export const DEFAULT_WINDOW_MINUTES = 15

const KEYS: Record<RuleType, string[]> = {
	failure_rate: ['threshold', 'window_minutes'],
	latency: ['threshold_ms', 'threshold', 'percentile_target', 'window_minutes'],
	volume_drop: ['threshold', 'window_minutes'],
	dlq: ['threshold', 'window_minutes'],
	issue_opened: ['window_minutes']
}

function positive(config: Record<string, unknown>, key: string, opts: { integer?: boolean; min?: number } = {}): number | undefined {
	const v = config[key]
	if (v === undefined) return undefined
	const min = opts.min ?? 0
	if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (opts.integer && !Number.isInteger(v))) {
		throw new ValidationFailed(`/rule_config/${key}`, `must be a${opts.integer ? 'n integer' : ' number'} ≥ ${min}`)
	}
	return v
}

/** A fraction, or a percentage when above 1 (both scales appear in the reference). */
function fraction(config: Record<string, unknown>, key: string): number | undefined {
	const v = positive(config, key)
	if (v === undefined) return undefined
	if (v > 100 || v === 0) throw new ValidationFailed(`/rule_config/${key}`, 'must be a fraction (0–1] or a percentage (1–100]')
	return v > 1 ? v / 100 : v
}

/** Checks a rule_config for its type and reads it; throws a 400 naming the field. */
export function normalizeRuleConfig(type: RuleType, config: Record<string, unknown>): NormalizedRule {
	for (const key of Object.keys(config)) {
		if (!KEYS[type].includes(key)) throw new ValidationFailed(`/rule_config/${key}`, `is not a setting of ${type} rules (allowed: ${KEYS[type].join(', ') || 'none'})`)
	}
	const window = positive(config, 'window_minutes', { integer: true, min: 1 }) ?? DEFAULT_WINDOW_MINUTES
	if (window > 1440) throw new ValidationFailed('/rule_config/window_minutes', 'must be at most 1440')
	const base = { windowMs: window * 60_000, percentile: 0.95 }
	switch (type) {
		case 'failure_rate':
		case 'volume_drop': {
			const threshold = fraction(config, 'threshold')
			if (threshold === undefined) throw new ValidationFailed('/rule_config/threshold', 'is required')
			return { ...base, threshold }
		}
		case 'latency': {
			const threshold = positive(config, 'threshold_ms', { integer: true, min: 1 }) ?? positive(config, 'threshold', { integer: true, min: 1 })
			if (threshold === undefined) throw new ValidationFailed('/rule_config/threshold_ms', 'is required')
			const p = config.percentile_target ?? 95
			const percentile = p === 50 || p === 'p50' ? 0.5 : p === 95 || p === 'p95' ? 0.95 : p === 99 || p === 'p99' ? 0.99 : null
			if (percentile === null) throw new ValidationFailed('/rule_config/percentile_target', 'must be 50, 95 or 99 (or p50, p95, p99)')
			return { ...base, threshold, percentile }
		}
		case 'dlq':
			return { ...base, threshold: positive(config, 'threshold', { integer: true }) ?? 0 }
		case 'issue_opened':
			return { ...base, threshold: 0 }
	}
}
