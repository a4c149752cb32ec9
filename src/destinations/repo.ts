import type { Database } from 'bun:sqlite'
import { resourceTable } from '../db/resource-table'
import { prepare } from '../db/sql'
import type { Seek } from '../lib/pagination'

/** A `destinations` row as stored: epoch-ms times, 0/1 flags, JSON as text, credentials sealed. */
export interface DestinationRow {
	id: string
	org_id: string
	env_id: string
	name: string
	slug: string
	type: string
	url: string | null
	method: string
	headers: string | null
	timeout_ms: number
	auth_type: string
	auth_config: string | null
	signing_config: string | null
	provider_config: string | null
	status: string
	event_count: number
	last_delivery_at: number | null
	retry_enabled: number
	retry_max_attempts: number
	retry_backoff_type: string
	retry_intervals: string
	circuit_breaker_enabled: number
	circuit_breaker_threshold: number
	circuit_breaker_reset_ms: number
	created_at: number
	updated_at: number
}

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

/** The destinations table, as the Store exposes it. */
export type DestinationsRepo = ReturnType<typeof createDestinationsRepo>

/** Prepares every statement once per database handle. */
export function createDestinationsRepo(db: Database) {
	const table = resourceTable<DestinationRow>(db, {
		table: 'destinations',
		columns: ALL,
		mutable: MUTABLE,
		slugTaken: (slug) => `A destination with slug '${slug}' already exists in this environment`
	})
	const anySealed = prepare<{ v: string }, []>(
		db,
		'SELECT COALESCE(auth_config, signing_config, provider_config) AS v FROM destinations WHERE COALESCE(auth_config, signing_config, provider_config) IS NOT NULL LIMIT 1'
	)

	return {
		...table,
		/** Any one stored sealed credential (the startup key check), or null when none is stored. */
		async anySealedSecret(): Promise<string | null> {
			return anySealed.get()?.v ?? null
		},
		/** `limit` rows from the seek point, in its fetch order. */
		async list(envId: string, seek: Seek, limit: number): Promise<DestinationRow[]> {
			return table.list(envId, [], seek, limit)
		}
	}
}
