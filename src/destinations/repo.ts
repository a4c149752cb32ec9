import type { Database } from 'bun:sqlite'
import { prepare, seekOf, type SqlValue, whereOf } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { rethrowAsConflict } from '../db/unique'

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
const SELECT = `SELECT ${ALL.join(', ')} FROM destinations`

/** The destinations table, as the Store exposes it. */
export type DestinationsRepo = ReturnType<typeof createDestinationsRepo>

function slugConflict(err: unknown, slug: string): never {
	rethrowAsConflict(err, `A destination with slug '${slug}' already exists in this environment`, '/slug')
}

/** Prepares every statement once per database handle. */
export function createDestinationsRepo(db: Database) {
	const insert = prepare(db, `INSERT INTO destinations (${ALL.join(', ')}) VALUES (${ALL.map((_, i) => `$${i + 1}`).join(', ')})`)
	const update = prepare(db, `UPDATE destinations SET ${MUTABLE.map((c, i) => `${c} = $${i + 3}`).join(', ')} WHERE id = $1 AND env_id = $2`)
	const byId = prepare<DestinationRow, [string]>(db, `${SELECT} WHERE id = $1`)
	const count = prepare<{ n: number }, [string]>(db, 'SELECT COUNT(*) AS n FROM destinations WHERE env_id = $1')
	const remove = prepare(db, 'DELETE FROM destinations WHERE id = $1 AND env_id = $2')
	const anySealed = prepare<{ v: string }, []>(
		db,
		'SELECT COALESCE(auth_config, signing_config, provider_config) AS v FROM destinations WHERE COALESCE(auth_config, signing_config, provider_config) IS NOT NULL LIMIT 1'
	)

	return {
		async insert(row: DestinationRow): Promise<void> {
			try {
				insert.run(...ALL.map((c) => row[c]))
			} catch (err) {
				slugConflict(err, row.slug)
			}
		},
		/** Any environment: callers that serve tenants must check `env_id` themselves. */
		/** Any one stored sealed credential (the startup key check), or null when none is stored. */
		async anySealedSecret(): Promise<string | null> {
			return anySealed.get()?.v ?? null
		},
		async findById(id: string): Promise<DestinationRow | null> {
			return byId.get(id)
		},
		async countInEnv(envId: string): Promise<number> {
			return count.get(envId)?.n ?? 0
		},
		/** `limit` rows from the seek point, in its fetch order. */
		async list(envId: string, seek: Seek, limit: number): Promise<DestinationRow[]> {
			const { condition, orderBy } = seekOf('id', seek)
			const w = whereOf([['env_id = ?', envId], condition])
			return prepare<DestinationRow, SqlValue[]>(db, `SELECT * FROM destinations WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(limit)}`).all(...w.params)
		},
		/** Writes the configuration columns only (see MUTABLE). */
		async update(row: DestinationRow): Promise<boolean> {
			try {
				return update.run(row.id, row.env_id, ...MUTABLE.map((c) => row[c])).changes > 0
			} catch (err) {
				slugConflict(err, row.slug)
			}
		},
		async delete(envId: string, id: string): Promise<boolean> {
			return remove.run(id, envId).changes > 0
		}
	}
}
