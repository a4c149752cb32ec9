import type { Static } from '@sinclair/typebox'
import type { ApiKeyRow } from '../auth/repo'
import type { ApiKeyService, AuthContext } from '../auth/service'
import { toIso } from '../lib/clock'
import { NotFound } from '../lib/errors'
import type { ApiKeyItem, CreatedApiKey } from './model'

type ListedKey = Static<typeof ApiKeyItem>

const scopesOf = (row: ApiKeyRow): string[] | null => (row.scopes ? (JSON.parse(row.scopes) as string[]) : null)

/** An API key as the API lists it: masked (the prefix, never the key or its hash). */
export function apiKeyWire(row: ApiKeyRow): ListedKey {
	return {
		id: row.id, name: row.name, key_prefix: row.key_prefix, scopes: scopesOf(row), env_id: row.env_id, request_count: row.request_count,
		revoked: row.revoked === 1, created_at: toIso(row.created_at), last_used_at: toIso(row.last_used_at)
	}
}

/** Key management for signed-in admins: any environment of their organization, never another's. */
export class ApiKeyAdmin {
	constructor(private readonly keys: ApiKeyService) {}

	/** The plaintext key is in this answer only; the store keeps its hash. */
	async create(auth: AuthContext, name: string, envId: string = auth.envId): Promise<Static<typeof CreatedApiKey>> {
		// Another organization's environment does not exist here.
		if (!auth.orgEnvIds?.includes(envId)) throw new NotFound('Environment')
		const { row, key } = await this.keys.createFor(auth.orgId, envId, name)
		return { id: row.id, name: row.name, key, key_prefix: row.key_prefix, scopes: scopesOf(row), env_id: row.env_id, created_at: toIso(row.created_at) }
	}

	async list(auth: AuthContext): Promise<ListedKey[]> {
		return (await this.keys.listForOrg(auth.orgId)).map(apiKeyWire)
	}

	async revoke(auth: AuthContext, id: string): Promise<void> {
		if (!(await this.keys.revokeInOrg(auth.orgId, id))) throw new NotFound('API key')
	}
}
