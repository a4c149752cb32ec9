import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import { ALL, BY_HASH, BY_ID, INSERT, OF_ORG, REVOKE, USAGE } from './repo-sql'

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
	const byHash = prepare<ApiKeyRow, [string]>(db, BY_HASH)
	const byId = prepare<ApiKeyRow, [string]>(db, BY_ID)
	const all = prepare<ApiKeyRow, []>(db, ALL)
	const ofOrg = prepare<ApiKeyRow, [string]>(db, OF_ORG)
	const insert = prepare(db, INSERT)
	const revoke = prepare(db, REVOKE)
	const usage = prepare(db, USAGE)

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
