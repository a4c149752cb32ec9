import { Elysia, t } from 'elysia'
import { ApiKeyList, CreateApiKeyBody, CreatedApiKey } from '../../accounts/model'
import type { AppContext } from '../../context'
import { authContextOf } from '../auth'
import { ErrorResponses, Success } from '../openapi-shared'

const tags = ['API keys']

/** Key management over HTTP: a signed-in admin or owner only (policy in src/accounts/roles.ts). */
export function apiKeyRoutes(ctx: AppContext) {
	const { apiKeys } = ctx.accounts
	return new Elysia({ name: 'routes.api-keys', prefix: '/v1/auth/api-keys' })
		.post('', async ({ body, request, set }) => {
			const created = await apiKeys.create(authContextOf(request), body.name, body.env_id)
			set.status = 201
			return created
		}, {
			body: CreateApiKeyBody,
			parse: 'json',
			response: { 201: CreatedApiKey, ...ErrorResponses },
			detail: { summary: 'Create an API key', description: 'Session only. The key is returned once and stored as a SHA-256 hash.', tags }
		})
		.get('', async ({ request }) => ({ api_keys: await apiKeys.list(authContextOf(request)) }), {
			response: { 200: ApiKeyList, ...ErrorResponses },
			detail: { summary: 'List API keys', description: 'Session only. Masked: the prefix, never the key.', tags }
		})
		.delete('/:id', async ({ params, request }) => {
			await apiKeys.revoke(authContextOf(request), params.id)
			return { success: true as const }
		}, {
			params: t.Object({ id: t.String({ examples: ['ak_8f3a1b2c4d5e6f7a'] }) }),
			response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Revoke an API key', description: 'Session only. The very next request with the key is a 401.', tags }
		})
}
