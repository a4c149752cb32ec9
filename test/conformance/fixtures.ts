import type { ConnectionRow } from '../../src/connections/repo'
import type { DestinationRow } from '../../src/destinations/repo'
import { newId } from '../../src/lib/ids'
import type { Seek } from '../../src/lib/pagination'
import type { SourceRow } from '../../src/sources/repo'

/** Whole rows for the repo conformance tests: valid defaults, overridable per test. */

export const NOW = 1_700_000_000_000
export const first = (order: 'asc' | 'desc' = 'desc'): Seek => ({ id: null, order, back: false })

export function sourceRow(env: { id: string; org_id: string }, slug: string, over: Partial<SourceRow> = {}): SourceRow {
	return {
		id: newId('src'), org_id: env.org_id, env_id: env.id, slug, name: `Source ${slug}`, description: null, template: null,
		verification_enabled: 0, verification_type: null, verification_secret: null, verification_header: null, verification_config: null,
		dedup_enabled: 0, dedup_strategy: null, dedup_field: null, dedup_window_seconds: 300, ip_allowlist: null, ip_denylist: null,
		status: 'active', event_count: 0, last_event_at: null, created_at: NOW, updated_at: NOW, is_ephemeral: 0, expires_at: null,
		request_limit: null, type: 'http', source_config: null, schema_validation_enabled: 0, json_schema: null, schema_action: null,
		rate_limit_per_second: null, ...over
	}
}

export function destinationRow(env: { id: string; org_id: string }, slug: string, over: Partial<DestinationRow> = {}): DestinationRow {
	return {
		id: newId('dst'), org_id: env.org_id, env_id: env.id, name: `Dest ${slug}`, slug, type: 'http', url: 'https://example.com/h',
		method: 'POST', headers: '{"X-A":"1"}', timeout_ms: 30000, auth_type: 'none', auth_config: null, signing_config: null,
		provider_config: null, status: 'active', event_count: 0, last_delivery_at: null, retry_enabled: 1, retry_max_attempts: 5,
		retry_backoff_type: 'exponential', retry_intervals: '[]', circuit_breaker_enabled: 1, circuit_breaker_threshold: 5,
		circuit_breaker_reset_ms: 60000, created_at: NOW, updated_at: NOW, ...over
	}
}

export function connectionRow(src: SourceRow, dst: DestinationRow, over: Partial<ConnectionRow> = {}): ConnectionRow {
	return {
		id: newId('conn'), org_id: src.org_id, env_id: src.env_id, source_id: src.id, destination_id: dst.id, name: 'c', description: null,
		enabled: 1, filter_rules: null, status: 'active', event_count: 0, last_event_at: null, transform_enabled: 0,
		transform_expression: null, created_at: NOW, updated_at: NOW, ...over
	}
}

