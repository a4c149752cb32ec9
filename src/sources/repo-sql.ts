import type { ResourceTableSpec } from '../db/resource-table'
import type { SourceRow } from './repo'

/** SQL of the sources repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

/** Columns a PATCH may change (everything but identity, counters and creation time). */
const MUTABLE = [
	'name', 'description', 'verification_enabled', 'verification_type', 'verification_secret', 'verification_header',
	'verification_config', 'dedup_enabled', 'dedup_strategy', 'dedup_field', 'dedup_window_seconds', 'ip_allowlist',
	'ip_denylist', 'status', 'updated_at', 'type', 'source_config', 'schema_validation_enabled', 'json_schema', 'schema_action', 'rate_limit_per_second'
] as const satisfies readonly (keyof SourceRow)[]

const ALL = [
	'id', 'org_id', 'env_id', 'slug', 'name', 'description', 'template', 'verification_enabled', 'verification_type',
	'verification_secret', 'verification_header', 'verification_config', 'dedup_enabled', 'dedup_strategy', 'dedup_field',
	'dedup_window_seconds', 'ip_allowlist', 'ip_denylist', 'status', 'event_count', 'last_event_at', 'created_at',
	'updated_at', 'is_ephemeral', 'expires_at', 'request_limit', 'type', 'source_config', 'schema_validation_enabled',
	'json_schema', 'schema_action', 'rate_limit_per_second'
] as const satisfies readonly (keyof SourceRow)[]

export const SOURCES_TABLE: ResourceTableSpec<SourceRow> = {
	table: 'sources',
	columns: ALL,
	mutable: MUTABLE,
	slugTaken: (slug) => `A source with slug '${slug}' already exists in this environment`
}

export const RATE_LIMITED = 'SELECT id, rate_limit_per_second FROM sources WHERE rate_limit_per_second IS NOT NULL'

export const ANY_SEALED = 'SELECT verification_secret AS v FROM sources WHERE verification_secret IS NOT NULL LIMIT 1'
