/** SQL of the API keys repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

export const BY_HASH = 'SELECT * FROM api_keys WHERE key_hash = $1'
export const BY_ID = 'SELECT * FROM api_keys WHERE id = $1'
export const ALL = 'SELECT * FROM api_keys ORDER BY created_at, id'
export const OF_ORG = 'SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC, id DESC'
export const INSERT = `INSERT INTO api_keys (id, org_id, env_id, name, key_hash, key_prefix, scopes, request_count, revoked, created_at, last_used_at)
	 VALUES ($1, $2, $3, $4, $5, $6, $8, 0, 0, $7, NULL)
	 ON CONFLICT (key_hash) DO NOTHING`
export const REVOKE = 'UPDATE api_keys SET revoked = 1 WHERE id = $1'
/** One key's usage (SQLite runs it per key in one transaction; PostgreSQL batches, repo-pg.ts). */
export const USAGE =
	'UPDATE api_keys SET request_count = request_count + $2, last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $3 THEN $3 ELSE last_used_at END WHERE id = $1'
