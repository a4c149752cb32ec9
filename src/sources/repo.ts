import type { Database } from 'bun:sqlite'
import { resourceTable } from '../db/resource-table'
import { prepare } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { ANY_SEALED, RATE_LIMITED, SOURCES_TABLE } from './repo-sql'

/** A `sources` row as stored: epoch-ms times, 0/1 flags, JSON as text, secret sealed. */
export interface SourceRow {
	id: string
	org_id: string
	env_id: string
	slug: string
	name: string
	description: string | null
	template: string | null
	verification_enabled: number
	verification_type: string | null
	verification_secret: string | null
	verification_header: string | null
	verification_config: string | null
	dedup_enabled: number
	dedup_strategy: string | null
	dedup_field: string | null
	dedup_window_seconds: number
	ip_allowlist: string | null
	ip_denylist: string | null
	status: string
	event_count: number
	last_event_at: number | null
	created_at: number
	updated_at: number
	is_ephemeral: number
	expires_at: number | null
	request_limit: number | null
	type: string
	source_config: string | null
	schema_validation_enabled: number
	json_schema: string | null
	schema_action: string | null
	rate_limit_per_second: number | null
}

export type SourcesRepo = ReturnType<typeof createSourcesRepo>

export function createSourcesRepo(db: Database) {
	const table = resourceTable<SourceRow>(db, SOURCES_TABLE)
	const rateLimited = prepare<{ id: string; rate_limit_per_second: number }, []>(db, RATE_LIMITED)
	const anySealed = prepare<{ v: string }, []>(db, ANY_SEALED)

	return {
		...table,
		/** Any one stored sealed secret (the startup key check), or null when none is stored. */
		async anySealedSecret(): Promise<string | null> {
			return anySealed.get()?.v ?? null
		},
		/** Sources with an ingest rate limit (issue 12): few, so ingest can keep them all in memory. */
		async rateLimited(): Promise<{ id: string; rate_limit_per_second: number }[]> {
			return rateLimited.all()
		},
		/** `limit` rows from the seek point, in its fetch order. */
		async list(envId: string, filter: { status: string | null }, seek: Seek, limit: number): Promise<SourceRow[]> {
			return table.list(envId, [['status = ?', filter.status]], seek, limit)
		}
	}
}
