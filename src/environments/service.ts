import type { AuthContext } from '../auth/service'
import { rethrowAsConflict } from '../db/unique'
import { Conflict, NotFound, PlanLimitReached } from '../lib/errors'
import { type Clock, toIso } from '../lib/clock'
import { asId, newId } from '../lib/ids'
import type { EnvironmentRow, PurgedEnvironment, TenancyRepo } from '../tenancy/repo'

export interface EnvironmentWire {
	id: string
	org_id: string
	name: string
	slug: string
	created_at: string
}

export function environmentWire(row: EnvironmentRow): EnvironmentWire {
	return { id: row.id, org_id: row.org_id, name: row.name, slug: row.slug, created_at: toIso(row.created_at) }
}

const SLUG_TAKEN = 'An environment with this slug already exists'

/** Environments of the caller's organization: any of them, not only the one the request runs in. */
export class EnvironmentsService {
	readonly #purged: ((p: PurgedEnvironment) => void)[] = []

	constructor(
		private readonly tenancy: TenancyRepo,
		private readonly clock: Clock,
		private readonly limits: { maxEnvironments: number | null }
	) {}

	/** Told which sources and destinations a forced delete removed (caches and the worker hold them). */
	onPurge(fn: (p: PurgedEnvironment) => void): void {
		this.#purged.push(fn)
	}

	list(auth: AuthContext): Promise<EnvironmentRow[]> {
		return this.tenancy.environments(auth.orgId)
	}

	async get(auth: AuthContext, id: string): Promise<EnvironmentRow> {
		const row = await this.tenancy.environment(asId('env', id) ?? '')
		if (!row || row.org_id !== auth.orgId) throw new NotFound('Environment')
		return row
	}

	async create(auth: AuthContext, body: { name: string; slug: string }): Promise<EnvironmentRow> {
		const row: EnvironmentRow = { id: newId('env'), org_id: auth.orgId, name: body.name, slug: body.slug, created_at: this.clock.now() }
		let inserted: boolean
		try {
			inserted = await this.tenancy.insertEnvironment(row, this.limits.maxEnvironments)
		} catch (err) {
			rethrowAsConflict(err, SLUG_TAKEN, '/slug')
		}
		if (!inserted) throw new PlanLimitReached('environments', this.limits.maxEnvironments ?? 0)
		return row
	}

	async update(auth: AuthContext, id: string, body: { name?: string; slug?: string }): Promise<EnvironmentRow> {
		const row = await this.get(auth, id)
		const next = { ...row, name: body.name ?? row.name, slug: body.slug ?? row.slug }
		try {
			await this.tenancy.updateEnvironment(row.id, next.name, next.slug)
		} catch (err) {
			rethrowAsConflict(err, SLUG_TAKEN, '/slug')
		}
		return next
	}

	/** Refuses to delete the last environment, or a non-empty one unless forced (then everything in it goes). */
	async remove(auth: AuthContext, id: string, force: boolean): Promise<void> {
		const row = await this.get(auth, id)
		if ((await this.tenancy.countEnvironments(auth.orgId)) <= 1) throw new Conflict('An organization keeps at least one environment')
		if (!force && (await this.tenancy.environmentHasContents(row.id))) {
			throw new Conflict('Environment is not empty (sources, destinations, events or API keys): delete with ?force=true to remove it and everything in it')
		}
		const purged = await this.tenancy.purgeEnvironment(row.id)
		for (const fn of this.#purged) fn(purged)
	}
}
