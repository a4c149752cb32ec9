import { Elysia, t } from 'elysia'
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '../../accounts/model'
import type { ApiKeyRow } from '../../auth/repo'
import type { AppContext } from '../../context'
import { toIso } from '../../lib/clock'
import { NotFound } from '../../lib/errors'
import { authContextOf } from '../auth'
import { ErrorResponses, Success } from '../openapi-shared'

const tags = ['API keys']
const scopesOf = (row: ApiKeyRow): string[] | null => (row.scopes ? (JSON.parse(row.scopes) as string[]) : null)

/** Key management over HTTP: a signed-in admin or owner only (policy in src/accounts/roles.ts). */
export function apiKeyRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.api-keys', prefix: '/v1/auth/api-keys' })
		.post('', async ({ body, request, set }) => {
			const auth = authContextOf(request)
			const envId = body.env_id ?? auth.envId
			// Any environment of the caller's organization; another organization's does not exist here.
			if (!auth.orgEnvIds?.includes(envId)) throw new NotFound('Environment')
			const { row, key } = await ctx.keys.createFor(auth.orgId, envId, body.name)
			set.status = 201
			return { id: row.id, name: row.name, key, key_prefix: row.key_prefix, scopes: scopesOf(row), env_id: row.env_id, created_at: toIso(row.created_at) }
		}, {
			body: CreateApiKeyBody,
			parse: 'json',
			response: { 201: CreatedApiKey, ...ErrorResponses },
			detail: { summary: 'Create an API key', description: 'Session only. The key is returned once and stored as a SHA-256 hash.', tags }
		})
		.get('', async ({ request }) => {
			const rows = await ctx.keys.listForOrg(authContextOf(request).orgId)
			return {
				api_keys: rows.map((r) => ({
					id: r.id, name: r.name, key_prefix: r.key_prefix, scopes: scopesOf(r), env_id: r.env_id, request_count: r.request_count,
					revoked: r.revoked === 1, created_at: toIso(r.created_at), last_used_at: toIso(r.last_used_at)
				}))
			}
		}, {
			response: { 200: ApiKeyList, ...ErrorResponses },
			detail: { summary: 'List API keys', description: 'Session only. Masked: the prefix, never the key.', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			if (!(await ctx.keys.revokeInOrg(authContextOf(request).orgId, params.id))) throw new NotFound('API key')
			return { success: true as const }
		}, {
			params: t.Object({ id: t.String({ examples: ['ak_8f3a1b2c4d5e6f7a'] }) }),
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Revoke an API key', description: 'Session only. The very next request with the key is a 401.', tags }
		})
}
