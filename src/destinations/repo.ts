import type { Database } from 'bun:sqlite'
import { resourceTable } from '../db/resource-table'
import { prepare } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { ANY_SEALED, DESTINATIONS_TABLE } from './repo-sql'

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

/** The destinations table, as the Store exposes it. */
export type DestinationsRepo = ReturnType<typeof createDestinationsRepo>

/** Prepares every statement once per database handle. */
export function createDestinationsRepo(db: Database) {
	const table = resourceTable<DestinationRow>(db, DESTINATIONS_TABLE)
	const anySealed = prepare<{ v: string }, []>(db, ANY_SEALED)

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
