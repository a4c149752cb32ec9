import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'

export interface ApiKeyRow {
	id: string
	org_id: string
	env_id: string
	name: string
	key_hash: string
	key_prefix: string
	scopes: string | null
	request_count: number
	revoked: number
	created_at: number
	last_used_at: number | null
}

export interface KeyUsage {
	id: string
	count: number
	lastUsedAt: number
}

export type ApiKeysRepo = ReturnType<typeof createApiKeysRepo>

export function createApiKeysRepo(db: Database) {
	const byHash = prepare<ApiKeyRow, [string]>(db, 'SELECT * FROM api_keys WHERE key_hash = $1')
	const byId = prepare<ApiKeyRow, [string]>(db, 'SELECT * FROM api_keys WHERE id = $1')
	const all = prepare<ApiKeyRow, []>(db, 'SELECT * FROM api_keys ORDER BY created_at, id')
	const ofOrg = prepare<ApiKeyRow, [string]>(db, 'SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC, id DESC')
	const insert = prepare(
		db,
		`INSERT INTO api_keys (id, org_id, env_id, name, key_hash, key_prefix, scopes, request_count, revoked, created_at, last_used_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $8, 0, 0, $7, NULL)
		 ON CONFLICT (key_hash) DO NOTHING`
	)
	const revoke = prepare(db, 'UPDATE api_keys SET revoked = 1 WHERE id = $1')
	const usage = prepare(
		db,
		'UPDATE api_keys SET request_count = request_count + $2, last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $3 THEN $3 ELSE last_used_at END WHERE id = $1'
	)

	return {
		async findByHash(hash: string): Promise<ApiKeyRow | null> {
			return byHash.get(hash)
		},
		async findById(id: string): Promise<ApiKeyRow | null> {
			return byId.get(id)
		},
		async list(): Promise<ApiKeyRow[]> {
			return all.all()
		},
		async listForOrg(orgId: string): Promise<ApiKeyRow[]> {
			return ofOrg.all(orgId)
		},
		/** Inserts unless a key with the same hash exists; returns whether a row was written. */
		async insert(row: Omit<ApiKeyRow, 'scopes' | 'request_count' | 'revoked' | 'last_used_at'> & { scopes?: string | null }): Promise<boolean> {
			const res = insert.run(row.id, row.org_id, row.env_id, row.name, row.key_hash, row.key_prefix, row.created_at, row.scopes ?? null)
			return res.changes > 0
		},
		async revoke(id: string): Promise<boolean> {
			return revoke.run(id).changes > 0
		},
		/** Applies batched usage counters in one transaction (called by a timer, not per request). */
		async recordUsage(batch: KeyUsage[]): Promise<void> {
			db.transaction(() => {
				for (const u of batch) usage.run(u.id, u.count, u.lastUsedAt)
			})()
		}
	}
}
