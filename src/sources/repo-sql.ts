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
	'dedup_window_seconds', 'ip_allowlist', 'ip_denylist', 'status', 'created_at',
	'updated_at', 'is_ephemeral', 'expires_at', 'request_limit', 'type', 'source_config', 'schema_validation_enabled',
	'json_schema', 'schema_action', 'rate_limit_per_second'
] as const satisfies readonly (keyof SourceRow)[]

/**
 * A source with its ingest counters, which live in its event_totals row (migration 17: ingest
 * then rewrites that small row per batch, not the wide sources row). No row yet: none counted.
 */
export const WITH_COUNTERS = `(SELECT s.*, COALESCE(c.event_count, 0) AS event_count, c.last_event_at
	FROM sources s LEFT JOIN event_totals c ON c.source_id = s.id) sources`

export const SOURCES_TABLE: ResourceTableSpec<SourceRow> = {
	table: 'sources',
	columns: ALL,
	mutable: MUTABLE,
	slugTaken: (slug) => `A source with slug '${slug}' already exists in this environment`,
	joined: { columns: ['event_count', 'last_event_at'], from: WITH_COUNTERS }
}

export const RATE_LIMITED = 'SELECT id, rate_limit_per_second FROM sources WHERE rate_limit_per_second IS NOT NULL'

export const ANY_SEALED = 'SELECT verification_secret AS v FROM sources WHERE verification_secret IS NOT NULL LIMIT 1'
