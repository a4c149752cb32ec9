import type { AuthContext } from '../auth/service'
import { Forbidden, NotFound, Unauthorized } from '../lib/errors'
import { asId } from '../lib/ids'
import type { TenancyRepo } from '../tenancy/repo'
import type { AuthLoader } from './better-auth'
import type { AccountsRepo } from './repo'

export interface SessionUser {
	id: string
	email: string
	name: string
	sessionId: string
	activeOrganizationId: string | null
}

/**
 * Turns a Better Auth session cookie into the same AuthContext an API key gives.
 * The session is read from the database on every request (no cookie cache), so
 * signing out or revoking a session takes effect on the very next request.
 */
export class SessionResolver {
	constructor(
		private readonly auth: AuthLoader,
		private readonly repo: AccountsRepo,
		private readonly tenancy: TenancyRepo
	) {}

	async user(headers: Headers): Promise<SessionUser | null> {
		const s = await (await this.auth()).api.getSession({ headers })
		if (!s) return null
		const active = (s.session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null
		return { id: s.user.id, email: s.user.email, name: s.user.name, sessionId: s.session.id, activeOrganizationId: active }
	}

	/**
	 * The environment comes from `X-Hookstream-Env` (or `env_id` in the query) when
	 * given: it must belong to one of the user's organizations, else 404 (another
	 * organization's environment does not exist for this user). Without one: the
	 * session's active organization (else the oldest membership) and its first environment.
	 */
	async context(headers: Headers, envHint: string | null): Promise<AuthContext> {
		const user = await this.user(headers)
		if (!user) throw new Unauthorized('Session expired or invalid: sign in again')
		const memberships = await this.repo.memberships(user.id)
		if (envHint !== null) {
			const env = await this.tenancy.environment(asId('env', envHint) ?? '')
			const member = env && memberships.find((m) => m.organizationId === env.org_id)
			if (!env || !member) throw new NotFound('Environment')
			const envs = await this.tenancy.environments(env.org_id)
			return { keyId: null, userId: user.id, sessionId: user.sessionId, orgId: env.org_id, envId: env.id, role: member.role, envFixed: true, orgEnvIds: envs.map((e) => e.id) }
		}
		const member = memberships.find((m) => m.organizationId === user.activeOrganizationId) ?? memberships[0]
		if (!member) throw new Forbidden('You are not a member of any organization')
		const envs = await this.tenancy.environments(member.organizationId)
		const first = envs[0]
		if (!first) throw new NotFound('Environment')
		return { keyId: null, userId: user.id, sessionId: user.sessionId, orgId: member.organizationId, envId: first.id, role: member.role, envFixed: false, orgEnvIds: envs.map((e) => e.id) }
	}
}
