import type { ResourceTableSpec } from '../db/resource-table'
import type { DestinationRow } from './repo'

/** SQL of the destinations repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

/**
 * Columns a PATCH may change. Counters and breaker state are left out on
 * purpose: the delivery repo writes them concurrently with API updates
 * (repo-record.ts, repo-circuits.ts).
 */
const MUTABLE = [
	'name', 'slug', 'type', 'url', 'method', 'headers', 'timeout_ms', 'auth_type', 'auth_config', 'signing_config',
	'provider_config', 'status', 'retry_enabled', 'retry_max_attempts', 'retry_backoff_type', 'retry_intervals',
	'circuit_breaker_enabled', 'circuit_breaker_threshold', 'circuit_breaker_reset_ms', 'updated_at'
] as const satisfies readonly (keyof DestinationRow)[]

// Breaker state is not here: a new destination starts closed by the columns' defaults, and only
// the delivery side reads or writes it (delivery/circuits.ts over delivery/repo-circuits.ts).
const ALL = ['id', 'org_id', 'env_id', ...MUTABLE, 'event_count', 'last_delivery_at', 'created_at'] as const satisfies readonly (keyof DestinationRow)[]

export const DESTINATIONS_TABLE: ResourceTableSpec<DestinationRow> = {
	table: 'destinations',
	columns: ALL,
	mutable: MUTABLE,
	slugTaken: (slug) => `A destination with slug '${slug}' already exists in this environment`
}

export const ANY_SEALED =
	'SELECT COALESCE(auth_config, signing_config, provider_config) AS v FROM destinations WHERE COALESCE(auth_config, signing_config, provider_config) IS NOT NULL LIMIT 1'
