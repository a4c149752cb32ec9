import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import type { ApiKeyRow, createApiKeysRepo, KeyUsage } from './repo'
import { ALL, BY_HASH, BY_ID, INSERT, OF_ORG, REVOKE } from './repo-sql'

/**
 * A usage batch as one statement: the SQLite side runs USAGE per key inside a
 * transaction; here one round trip updates every key. The flusher sends one entry
 * per key, and GREATEST ignores a NULL last_used_at.
 */
function usageBatch(batch: KeyUsage[]): { text: string; params: (string | number)[] } {
	const params: (string | number)[] = []
	const tuples = batch.map((u) => {
		params.push(u.id, u.count, u.lastUsedAt)
		const n = params.length
		return `($${n - 2}::text, $${n - 1}::bigint, $${n}::bigint)`
	})
	return {
		text: `UPDATE api_keys k SET request_count = k.request_count + v.n, last_used_at = GREATEST(k.last_used_at, v.t)
			FROM (VALUES ${tuples.join(', ')}) AS v (id, n, t) WHERE k.id = v.id`,
		params
	}
}

/** Keys per usage statement: far below PostgreSQL's 65,535-parameter cap. */
const USAGE_CHUNK = 1000

/** The API keys repo on PostgreSQL (same SQL text as repo.ts, from repo-sql.ts, but the usage batch). */
export function createApiKeysRepoPg(pg: Pg): ReturnType<typeof createApiKeysRepo> {
	return {
		async findByHash(hash: string): Promise<ApiKeyRow | null> {
			return retryRead(() => pg.get<ApiKeyRow>(BY_HASH, [hash]))
		},
		async findById(id: string): Promise<ApiKeyRow | null> {
			return retryRead(() => pg.get<ApiKeyRow>(BY_ID, [id]))
		},
		async list(): Promise<ApiKeyRow[]> {
			return retryRead(() => pg.all<ApiKeyRow>(ALL))
		},
		async listForOrg(orgId: string): Promise<ApiKeyRow[]> {
			return retryRead(() => pg.all<ApiKeyRow>(OF_ORG, [orgId]))
		},
		async insert(row: Omit<ApiKeyRow, 'scopes' | 'request_count' | 'revoked' | 'last_used_at'> & { scopes?: string | null }): Promise<boolean> {
			const params = [row.id, row.org_id, row.env_id, row.name, row.key_hash, row.key_prefix, row.created_at, row.scopes ?? null]
			return (await pg.run(INSERT, params)) > 0
		},
		async revoke(id: string): Promise<boolean> {
			return (await pg.run(REVOKE, [id])) > 0
		},
		async recordUsage(batch: KeyUsage[]): Promise<void> {
			for (let i = 0; i < batch.length; i += USAGE_CHUNK) {
				const q = usageBatch(batch.slice(i, i + USAGE_CHUNK))
				await pg.run(q.text, q.params)
			}
		}
	}
}
