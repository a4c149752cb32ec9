import { parseRange } from '../lib/cidr'
import { ValidationFailed } from '../lib/errors'
import { jsonSchemaProblem } from '../lib/json-schema'
import { HANDSHAKE_KINDS, isHandshakeKind } from '../handshakes/types'
import { hostPatternProblem } from '../verify/aws-sns'
import { normalizeVerificationType, VERIFICATION_TYPES, type VerificationType } from '../verify/types'

export const DEDUP_STRATEGIES = ['payload_hash', 'header_field', 'body_field'] as const
export type DedupStrategy = (typeof DEDUP_STRATEGIES)[number]

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/
// `data.id`, `$.data.id`, `items.0.id`: dot-separated keys, optional `$.` root.
const BODY_PATH = /^(\$\.)?[^.\s]+(\.[^.\s]+)*$/

/** The settings of a source that must agree with each other, in plain (unsealed) form. */
export interface SourceSettings {
	verification_enabled: boolean
	verification_type: VerificationType | null
	/** The request named a verification type itself (not through a template). */
	verification_type_sent: boolean
	has_secret: boolean
	dedup_enabled: boolean
	dedup_strategy: DedupStrategy | null
	dedup_field: string | null
	ip_allowlist: string[] | null
	ip_denylist: string[] | null
	schema_validation_enabled: boolean
	json_schema: Record<string, unknown> | null
	/** Only a schema sent in this request is compiled: a stored one was checked when it was stored. */
	json_schema_changed: boolean
}

export function parseVerificationType(value: string | null | undefined): VerificationType | null {
	if (value === null || value === undefined) return null
	const type = normalizeVerificationType(value)
	if (!type) throw new ValidationFailed('/verification_type', `must be one of ${VERIFICATION_TYPES.join(', ')} (got '${value}')`)
	return type
}

export function parseDedupStrategy(value: string | null | undefined): DedupStrategy | null {
	if (value === null || value === undefined) return null
	const canonical = value.trim().toLowerCase().replaceAll('-', '_')
	if (!(DEDUP_STRATEGIES as readonly string[]).includes(canonical)) {
		throw new ValidationFailed('/dedup_strategy', `must be one of payload_hash, header_field, body_field (got '${value}')`)
	}
	return canonical as DedupStrategy
}

/** Accepts `verification_config` as an object or a JSON string of one (the reference's update body). */
export function parseConfigObject(value: Record<string, unknown> | string | null | undefined, path: string): Record<string, unknown> | null | undefined {
	if (typeof value !== 'string') return value
	try {
		const parsed: unknown = JSON.parse(value)
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
	} catch {}
	throw new ValidationFailed(path, 'must be a JSON object or a string holding one')
}

function checkIpList(list: string[] | null, path: string): void {
	list?.forEach((entry, i) => {
		if (!parseRange(entry)) throw new ValidationFailed(`${path}/${i}`, `'${entry}' is not a valid IP address or CIDR range`)
	})
}

/** `verification_config.handshake`, when present, names a known handshake or is null (turns a template's off). */
export function checkHandshakeConfig(config: Record<string, unknown> | null | undefined): void {
	if (!config || !Object.hasOwn(config, 'handshake') || config.handshake === null) return
	if (!isHandshakeKind(config.handshake)) {
		throw new ValidationFailed('/verification_config/handshake', `must be null or one of ${HANDSHAKE_KINDS.join(', ')}`)
	}
}

/** `verification_config.cert_host_pattern` (aws_sns), when present: a string the verifier accepts (see hostPatternProblem). */
export function checkHostPatternConfig(config: Record<string, unknown> | null | undefined): void {
	if (!config || !Object.hasOwn(config, 'cert_host_pattern')) return
	const value = config.cert_host_pattern
	const problem = typeof value === 'string' ? hostPatternProblem(value) : 'must be a string'
	if (problem) throw new ValidationFailed('/verification_config/cert_host_pattern', problem)
}

/** The checks of `verification_config` entries whose mistakes would only show at ingest. */
export function checkVerificationConfig(config: Record<string, unknown> | null | undefined): void {
	checkHandshakeConfig(config)
	checkHostPatternConfig(config)
}

/** Cross-field rules shared by create and update; throws a 400 naming the first bad field. */
export function checkSettings(s: SourceSettings): void {
	if (s.verification_enabled && !s.verification_type) {
		throw new ValidationFailed('/verification_type', 'is required when verification_enabled is true')
	}
	if (s.verification_type && !s.has_secret && (s.verification_enabled || s.verification_type_sent)) {
		throw new ValidationFailed('/verification_secret', 'is required when verification_type is set')
	}
	if (s.dedup_strategy === 'header_field' || s.dedup_strategy === 'body_field') {
		if (!s.dedup_field) throw new ValidationFailed('/dedup_field', `is required when dedup_strategy is ${s.dedup_strategy}`)
		const ok = s.dedup_strategy === 'header_field' ? HEADER_NAME.test(s.dedup_field) : BODY_PATH.test(s.dedup_field)
		if (!ok) throw new ValidationFailed('/dedup_field', s.dedup_strategy === 'header_field' ? 'must be an HTTP header name' : 'must be a dot path such as data.id or $.data.id')
	}
	checkIpList(s.ip_allowlist, '/ip_allowlist')
	checkIpList(s.ip_denylist, '/ip_denylist')
	if (s.schema_validation_enabled && !s.json_schema) {
		throw new ValidationFailed('/json_schema', 'is required when schema_validation_enabled is true')
	}
	if (s.json_schema && s.json_schema_changed) {
		const problem = jsonSchemaProblem(s.json_schema)
		if (problem) throw new ValidationFailed('/json_schema', `is not a valid JSON Schema: ${problem}`)
	}
}
