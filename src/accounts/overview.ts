import type { AuthContext } from '../auth/service'
import type { Config } from '../config'
import { environmentWire } from '../environments/service'
import type { Clock } from '../lib/clock'
import { NotFound } from '../lib/errors'
import { idFloorAt } from '../lib/ids'
import type { TenancyRepo } from '../tenancy/repo'
import type { AccountsRepo } from './repo'

function monthStart(now: number): number {
	const d = new Date(now)
	return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** Read-only views of the caller: who they are, and the self-hosted plan's usage. */
export class AccountOverview {
	constructor(
		private readonly repo: AccountsRepo,
		private readonly tenancy: TenancyRepo,
		private readonly clock: Clock,
		private readonly limits: Pick<Config, 'maxSources' | 'maxDestinations' | 'maxEnvironments' | 'retentionDays'>
	) {}

	async me(auth: AuthContext) {
		const [org, envs, user] = await Promise.all([
			this.tenancy.organization(auth.orgId), this.tenancy.environments(auth.orgId), auth.userId ? this.repo.userById(auth.userId) : null
		])
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
	}

	/** Counts of the current environment (quotas are per environment), events since the start of the UTC month. */
	async usage(auth: AuthContext) {
		const [used, envCount] = await Promise.all([
			this.tenancy.usage(auth.envId, idFloorAt('evt', monthStart(this.clock.now()))), this.tenancy.countEnvironments(auth.orgId)
		])
		return {
			plan: 'self_hosted' as const,
			events: { used: used.events, limit: null, percentage: null },
			sources: { used: used.sources, limit: this.limits.maxSources },
			destinations: { used: used.destinations, limit: this.limits.maxDestinations },
			environments: { used: envCount, limit: this.limits.maxEnvironments },
			retention_days: this.limits.retentionDays
		}
	}

	async organizationName(orgId: string): Promise<string> {
		return (await this.tenancy.organization(orgId))?.name ?? ''
	}
}
