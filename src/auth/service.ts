import type { Clock } from '../lib/clock'
import { randomHex, sha256Hex } from '../lib/crypto'
import { Unauthorized } from '../lib/errors'
import { newApiKeyId, newId } from '../lib/ids'
import type { TenancyRepo } from '../tenancy/repo'
import type { ApiKeyRow, ApiKeysRepo, KeyUsage } from './repo'

const KEY_PATTERN = /^hs_live_[0-9a-f]{64}$/

/** Who is calling: every authenticated request is scoped to one org and one environment. */
export interface AuthContext {
	keyId: string
	orgId: string
	envId: string
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
		return { keyId: row.id, orgId: row.org_id, envId: row.env_id }
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

	revoke(id: string): Promise<boolean> {
		return this.keys.revoke(id)
	}
}
