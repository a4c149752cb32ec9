import type { Clock } from '../lib/clock'
import { randomHex, sha256Hex } from '../lib/crypto'
import { Unauthorized } from '../lib/errors'
import { newApiKeyId, newId } from '../lib/ids'
import type { TenancyRepo } from '../tenancy/repo'
import type { Role } from '../accounts/repo'
import { keyRole } from '../accounts/roles'
import type { ApiKeyRow, ApiKeysRepo, KeyUsage } from './repo'

const KEY_PATTERN = /^hs_live_[0-9a-f]{64}$/

/** Who is calling: every authenticated request is scoped to one org and one environment. */
export interface AuthContext {
	/** The API key, when the caller used one. */
	keyId: string | null
	/** The signed-in user, when the caller used a session cookie. */
	userId: string | null
	/** Session only: the Better Auth session, so a live stream can ask later whether it is still signed in. */
	sessionId?: string
	orgId: string
	envId: string
	role: Role
	/** Session only: the environment was named by header or query, so a body may not pick another. */
	envFixed?: boolean
	/** Session only: every environment of the organization (a body's env_id may choose one). */
	orgEnvIds?: string[]
}

export interface CreatedKey {
	id: string
	name: string
	key: string
	key_prefix: string
	org_id: string
	env_id: string
}

export const DEFAULT_TENANCY = { org: 'Default organization', env: 'Production', envSlug: 'production' } as const

export function isWellFormedKey(key: string): boolean {
	return KEY_PATTERN.test(key)
}

export function newPlaintextKey(): string {
	return `hs_live_${randomHex(32)}`
}

/**
 * Checks API keys and counts their use. Usage (`request_count`, `last_used_at`)
 * is summed in memory and written in batches, so the hot path does a single
 * indexed read and no write.
 */
export class ApiKeyService {
	readonly #pending = new Map<string, KeyUsage>()

	constructor(
		private readonly keys: ApiKeysRepo,
		private readonly tenancy: TenancyRepo,
		private readonly clock: Clock
	) {}

	async authenticate(plaintext: string): Promise<AuthContext> {
		// The format check comes first so garbage never reaches the database.
		if (!isWellFormedKey(plaintext)) throw new Unauthorized('Invalid API key')
		// Lookup by SHA-256 of the key: equality on a hash of a 256-bit secret leaks nothing useful by timing.
		const row = await this.keys.findByHash(sha256Hex(plaintext))
		if (!row) throw new Unauthorized('Invalid API key')
		if (row.revoked) throw new Unauthorized('API key has been revoked')
		this.#count(row.id)
		return { keyId: row.id, userId: null, orgId: row.org_id, envId: row.env_id, role: keyRole(row.scopes) }
	}

	#count(id: string): void {
		const now = this.clock.now()
		const usage = this.#pending.get(id)
		if (usage) {
			usage.count++
			usage.lastUsedAt = now
		} else {
			this.#pending.set(id, { id, count: 1, lastUsedAt: now })
		}
	}

	/** Writes the accumulated usage counters; called on a timer and at shutdown. */
	async flushUsage(): Promise<void> {
		if (this.#pending.size === 0) return
		const batch = [...this.#pending.values()]
		this.#pending.clear()
		await this.keys.recordUsage(batch)
	}

	/** Creates a key in the default environment (creating org and environment when missing). */
	async createKey(name: string, plaintext: string = newPlaintextKey()): Promise<CreatedKey & { created: boolean }> {
		if (!isWellFormedKey(plaintext)) throw new Error('API keys must look like hs_live_ followed by 64 lowercase hex characters')
		const now = this.clock.now()
		const env = await this.tenancy.ensureDefault({ orgId: newId('org'), envId: newId('env') }, DEFAULT_TENANCY, now)
		const hash = sha256Hex(plaintext)
		const id = newApiKeyId()
		const row = { id, org_id: env.org_id, env_id: env.id, name, key_hash: hash, key_prefix: plaintext.slice(0, 12), created_at: now }
		const created = await this.keys.insert(row)
		const stored = created ? row : await this.keys.findByHash(hash)
		if (!stored) throw new Error('API key vanished while being created')
		return { id: stored.id, name: stored.name, key: plaintext, key_prefix: stored.key_prefix, org_id: stored.org_id, env_id: stored.env_id, created }
	}

	list(): Promise<ApiKeyRow[]> {
		return this.keys.list()
	}

	/** A key for one environment (over HTTP or by device login). `scopes` `["read"]` makes it read-only. */
	async createFor(orgId: string, envId: string, name: string, scopes: string[] | null = null, id: string = newApiKeyId()): Promise<{ row: ApiKeyRow; key: string }> {
		const key = newPlaintextKey()
		const now = this.clock.now()
		const row: ApiKeyRow = {
			id, org_id: orgId, env_id: envId, name, key_hash: sha256Hex(key), key_prefix: key.slice(0, 12),
			scopes: scopes ? JSON.stringify(scopes) : null, request_count: 0, revoked: 0, created_at: now, last_used_at: null
		}
		if (!(await this.keys.insert(row))) throw new Error('API key collision')
		return { row, key }
	}

	/** The organization's keys, newest first, with usage not yet flushed counted in. */
	async listForOrg(orgId: string): Promise<ApiKeyRow[]> {
		const rows = await this.keys.listForOrg(orgId)
		return rows.map((r) => {
			const pending = this.#pending.get(r.id)
			return pending ? { ...r, request_count: r.request_count + pending.count, last_used_at: Math.max(r.last_used_at ?? 0, pending.lastUsedAt) } : r
		})
	}

	/** Revokes a key of this organization; false when there is none. Effective on the next request (no key cache). */
	async revokeInOrg(orgId: string, id: string): Promise<boolean> {
		const row = await this.keys.findById(id)
		if (!row || row.org_id !== orgId) return false
		await this.keys.revoke(id)
		return true
	}

	revoke(id: string): Promise<boolean> {
		return this.keys.revoke(id)
	}
}
