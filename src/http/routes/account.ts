import { Elysia } from 'elysia'
import { Me, Usage } from '../../accounts/model'
import type { AppContext } from '../../context'
import { environmentWire } from '../../environments/service'
import { NotFound } from '../../lib/errors'
import { idFloorAt } from '../../lib/ids'
import { authContextOf } from '../auth'
import { ErrorResponses } from '../openapi-shared'

function monthStart(now: number): number {
	const d = new Date(now)
	return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** Who am I (user, organization, role, environments) and the self-hosted plan's usage. */
export function accountRoutes(ctx: AppContext) {
	const { tenancy, accounts } = ctx.store
	return new Elysia({ name: 'routes.account' })
		.get('/v1/me', async ({ request }) => {
			const auth = authContextOf(request)
			const [org, envs, user] = await Promise.all([tenancy.organization(auth.orgId), tenancy.environments(auth.orgId), auth.userId ? accounts.userById(auth.userId) : null])
			const current = envs.find((e) => e.id === auth.envId)
			if (!org || !current) throw new NotFound('Environment')
			return {
				user: user ? { id: user.id, email: user.email, name: user.name } : null,
				organization: { id: org.id, name: org.name },
				role: auth.role,
				environment: environmentWire(current),
				environments: envs.map(environmentWire),
				api_key: auth.keyId ? { id: auth.keyId } : null
			}
		}, {
			response: { 200: Me, ...ErrorResponses },
			detail: { summary: 'The caller', description: 'User (null for an API key), organization, role, the current environment and all of the organization\'s.', tags: ['Account'] }
		})
		.get('/v1/billing/usage', async ({ request }) => {
			const auth = authContextOf(request)
			const { config, clock } = ctx
			const [used, envCount] = await Promise.all([tenancy.usage(auth.envId, idFloorAt('evt', monthStart(clock.now()))), tenancy.countEnvironments(auth.orgId)])
			return {
				plan: 'self_hosted' as const,
				events: { used: used.events, limit: null, percentage: null },
				sources: { used: used.sources, limit: config.maxSources },
				destinations: { used: used.destinations, limit: config.maxDestinations },
				environments: { used: envCount, limit: config.maxEnvironments },
				retention_days: config.retentionDays
			}
		}, {
			response: { 200: Usage, ...ErrorResponses },
			detail: {
				summary: 'Usage of the self-hosted plan',
				description: 'Counts of the current environment (events since the start of the UTC month) against the configured quotas; null = unlimited.',
				tags: ['Account']
			}
		})
}
