import { Elysia } from 'elysia'
import { Me, Usage } from '../../accounts/model'
import type { AppContext } from '../../context'
import { authContextOf } from '../auth'
import { ErrorResponses } from '../openapi-shared'

/** Who am I (user, organization, role, environments) and the self-hosted plan's usage. */
export function accountRoutes(ctx: AppContext) {
	const { overview } = ctx.accounts
	return new Elysia({ name: 'routes.account' })
		.get('/v1/me', ({ request }) => overview.me(authContextOf(request)), {
			response: { 200: Me, ...ErrorResponses },
			detail: { summary: 'The caller', description: 'User (null for an API key), organization, role, the current environment and all of the organization\'s.', tags: ['Account'] }
		})
		.get('/v1/billing/usage', ({ request }) => overview.usage(authContextOf(request)), {
			response: { 200: Usage, ...ErrorResponses },
			detail: {
				summary: 'Usage of the self-hosted plan',
				description: 'Counts of the current environment (events since the start of the UTC month) against the configured quotas; null = unlimited.',
				tags: ['Account']
			}
		})
}
