import type { AuthContext } from '../auth/service'
import { Periodic, type TickClaimer } from '../cluster/ticks'
import type { RetryResult, RetryService } from '../delivery/retries'
import { type Clock, toIso } from '../lib/clock'
import { NotFound, ValidationFailed } from '../lib/errors'
import { hasMoreAt } from '../lib/pagination'
import type { Logger } from '../lib/log'
import type { UpdateIssueBody } from './model'
import type { IssueListRow, IssuesRepo } from './repo'

/** Reference §3.8: an issue resolves itself after 30 minutes without a new occurrence. */
export const AUTO_RESOLVE_AFTER_MS = 30 * 60_000

function wire(r: IssueListRow) {
	return {
		id: r.id, org_id: r.org_id, env_id: r.env_id, destination_id: r.destination_id, destination_name: r.destination_name,
		error_type: r.error_type, message: r.message, status: r.status, occurrence_count: r.occurrence_count,
		first_seen_at: toIso(r.first_seen_at), last_seen_at: toIso(r.last_seen_at),
		recent_attempt_ids: JSON.parse(r.recent_attempt_ids) as string[], snoozed_until: toIso(r.snoozed_until),
		resolved_at: toIso(r.resolved_at), created_at: toIso(r.created_at), updated_at: toIso(r.updated_at)
	}
}

export class IssuesService {
	#periodic: Periodic | null = null

	constructor(
		private readonly repo: IssuesRepo,
		private readonly retries: RetryService,
		private readonly clock: Clock,
		private readonly log: Logger
	) {}

	async #find(auth: AuthContext, id: string): Promise<IssueListRow> {
		const row = await this.repo.findById(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Issue')
		return row
	}

	async list(auth: AuthContext, q: { status?: string | undefined; destination_id?: string | undefined; limit?: number | undefined; offset?: number | undefined }) {
		const limit = q.limit ?? 50
		const offset = q.offset ?? 0
		const status = q.status === undefined ? 'open' : q.status === 'all' ? null : q.status
		const filter = { status, destinationId: q.destination_id ?? null }
		const [rows, total] = await Promise.all([this.repo.list(auth.envId, filter, { limit, offset }), this.repo.count(auth.envId, filter)])
		return { issues: rows.map(wire), pagination: { total, limit, offset, has_more: hasMoreAt(offset, rows.length, total) } }
	}

	async summary(auth: AuthContext) {
		const counts = await this.repo.summary(auth.envId)
		return { open: counts.open ?? 0, acknowledged: counts.acknowledged ?? 0, resolved: counts.resolved ?? 0 }
	}

	async get(auth: AuthContext, id: string) {
		return wire(await this.#find(auth, id))
	}

	async update(auth: AuthContext, id: string, body: UpdateIssueBody) {
		const row = await this.#find(auth, id)
		const now = this.clock.now()
		let snoozedUntil = row.snoozed_until
		if (body.snoozed_until !== undefined) {
			snoozedUntil = body.snoozed_until === null ? null : Date.parse(body.snoozed_until)
			if (snoozedUntil !== null && Number.isNaN(snoozedUntil)) throw new ValidationFailed('/snoozed_until', 'must be an ISO 8601 timestamp or null')
		}
		const status = body.status ?? row.status
		await this.repo.update(id, { status, snoozedUntil, resolvedAt: status === 'resolved' ? (row.resolved_at ?? now) : null, now })
		return wire(await this.#find(auth, id))
	}

	async retry(auth: AuthContext, id: string): Promise<RetryResult> {
		const row = await this.#find(auth, id)
		return this.retries.retryDestination(row.destination_id, row.error_type === 'circuit_open' ? null : row.error_type)
	}

	/** Resolves quiet issues once a minute; with several instances, one of them each tick (the same UPDATE from each would only contend). */
	start(intervalMs = 60_000, ticks: TickClaimer | null = null): void {
		this.#periodic ??= new Periodic('issues.auto_resolve', intervalMs, () => this.resolveQuiet(), ticks)
		this.#periodic.start()
	}

	async resolveQuiet(): Promise<number> {
		try {
			const now = this.clock.now()
			return await this.repo.autoResolve(now, now - AUTO_RESOLVE_AFTER_MS)
		} catch (err) {
			this.log.error('issue auto-resolve failed', { error: err instanceof Error ? err.message : String(err) })
			return 0
		}
	}

	stop(): void {
		this.#periodic?.stop()
	}
}
