import type { AuthContext } from '../auth/service'
import { Periodic, type TickClaimer } from '../cluster/ticks'
import { type Clock, toIso } from '../lib/clock'
import { BadRequest, NotFound, ValidationFailed } from '../lib/errors'
import { idFloorAt, newId } from '../lib/ids'
import type { Logger } from '../lib/log'
import { compileFilters, type FilterInput, type FilterRule, validateFilterRules } from '../routing/filters'
import { routeOf } from '../routing/route'
import type { CreateReplayBody } from './model'
import type { ReplayCandidate, ReplayJobRow, ReplayRepo } from './repo'

const PAGE = 500
const TICK_MS = 100

function time(value: string, field: string): number {
	const ms = Date.parse(value)
	if (Number.isNaN(ms)) throw new ValidationFailed(`/${field}`, 'must be an ISO 8601 timestamp')
	return ms
}

/** `{field: value}` equalities, or rules in the connection syntax. */
function filterRules(filter: CreateReplayBody['filter']): FilterRule[] | null {
	if (filter === undefined) return null
	const rules = Array.isArray(filter) ? filter : Object.entries(filter).map(([field, value]) => ({ field, op: 'eq' as const, value }))
	const problems = validateFilterRules(rules, '/filter')
	if (problems.length > 0) throw new BadRequest(`Invalid body: ${problems[0]?.path} ${problems[0]?.message}`, problems)
	return rules
}

function inputOf(e: ReplayCandidate): FilterInput {
	const text = e.body ? new TextDecoder().decode(e.body) : ''
	let payload: unknown = text
	try {
		payload = JSON.parse(text)
	} catch {}
	return { payload, headers: JSON.parse(e.headers) as Record<string, string>, method: e.method, content_type: e.content_type, source_ip: e.source_ip }
}

/** Where a running job's schedule restarts: slots are counted from here (and again after a restart). */
interface Anchor { at: number; base: number }

/**
 * Reference §3.10: re-delivery of a time range through the normal pipeline.
 * The selection is fixed at creation; a runner adds outbox rows (trigger_type
 * 'replay') one slot of 1/rate seconds apart, so the worker sends at most the
 * job's rate with its filters, transform, retries and breaker as usual.
 */
export class ReplayService {
	readonly periodic: Periodic
	#ticking: Promise<void> | null = null
	readonly #anchors = new Map<string, Anchor>()

	constructor(
		private readonly repo: ReplayRepo,
		private readonly destinationExists: (envId: string, id: string) => Promise<boolean>,
		private readonly wake: () => void,
		private readonly clock: Clock,
		private readonly log: Logger,
		/**
		 * Several instances: one advances the running jobs each tick, so a job's rate is
		 * not multiplied by the number of instances. Idle (no running job), nothing is claimed.
		 */
		ticks: TickClaimer | null = null
	) {
		this.periodic = new Periodic('replay.run', TICK_MS, () => this.tick(), ticks, async () => {
			try {
				return (await this.repo.running()).length > 0
			} catch (err) {
				this.log.error('replay tick failed', { error: err instanceof Error ? err.message : String(err) })
				return false
			}
		})
	}

	async #wire(r: ReplayJobRow) {
		const p = await this.repo.progress(r.id)
		return {
			id: r.id, destination_id: r.destination_id, source_id: r.source_id, connection_id: r.connection_id, from: toIso(r.from_at), to: toIso(r.to_at), filter: r.filter,
			rate_limit: r.rate_limit, max_events: r.max_events, status: r.status, total: r.total, enqueued: r.enqueued,
			processed: p.succeeded + p.failed + p.skipped + (r.status === 'cancelled' ? r.total - r.enqueued : 0), succeeded: p.succeeded, failed: p.failed,
			skipped: p.skipped + (r.status === 'cancelled' ? r.total - r.enqueued : 0), error: r.error,
			started_at: toIso(r.started_at), completed_at: toIso(r.completed_at), created_at: toIso(r.created_at)
		}
	}

	async #find(auth: AuthContext, id: string): Promise<ReplayJobRow> {
		const row = await this.repo.job(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Replay job')
		return row
	}

	async create(auth: AuthContext, body: CreateReplayBody) {
		const from = time(body.from, 'from')
		const to = time(body.to, 'to')
		if (from > to) throw new ValidationFailed('/from', 'must not be later than to')
		const rules = filterRules(body.filter)
		const extra = rules ? compileFilters(rules) : () => true
		if (!(await this.destinationExists(auth.envId, body.destination_id))) throw new NotFound('Destination')
		const conns = await this.repo.connections(auth.envId, body.destination_id, body.connection_id ?? null, body.source_id ?? null)
		const max = body.max_events ?? 1000
		const items: { eventId: string; connectionId: string }[] = []
		const routes = conns.map((c) => ({ sourceId: c.source_id, route: routeOf({ ...c, org_id: auth.orgId, env_id: auth.envId, destination_id: body.destination_id }) }))
		const sources = [...new Set(conns.map((c) => c.source_id))]
		// Oldest first, in pages, until max_events (connection filters apply as they did at ingest).
		for (let after = '', page: ReplayCandidate[] = []; sources.length > 0 && items.length < max; ) {
			page = await this.repo.candidates(auth.envId, sources, idFloorAt('evt', from), idFloorAt('evt', to + 1), after, PAGE)
			for (const e of page) {
				const input = inputOf(e)
				if (!extra(input)) continue
				for (const r of routes) if (r.sourceId === e.source_id && r.route.matches(input) && items.length < max) items.push({ eventId: e.id, connectionId: r.route.connectionId })
			}
			if (page.length < PAGE) break
			after = (page.at(-1) as ReplayCandidate).id
		}
		if (items.length === 0) throw new NotFound('Destination or events')
		const now = this.clock.now()
		const job: ReplayJobRow = {
			id: newId('rpl'), org_id: auth.orgId, env_id: auth.envId, destination_id: body.destination_id, source_id: body.source_id ?? null,
			connection_id: body.connection_id ?? null, filter: rules ? JSON.stringify(rules) : null, from_at: from, to_at: to, rate_limit: body.rate_limit ?? 10,
			max_events: max, status: 'running', total: items.length, enqueued: 0, error: null, started_at: now, completed_at: null, created_at: now, updated_at: now
		}
		await this.repo.create(job, items)
		void this.tick()
		return this.#wire(job)
	}

	async get(auth: AuthContext, id: string) {
		return this.#wire(await this.#find(auth, id))
	}

	async list(auth: AuthContext, limit = 50) {
		return Promise.all((await this.repo.list(auth.envId, limit)).map((r) => this.#wire(r)))
	}

	async cancel(auth: AuthContext, id: string) {
		const row = await this.#find(auth, id)
		if (row.status !== 'running') throw new BadRequest(`Replay job is already ${row.status}`)
		await this.repo.cancel(id, this.clock.now())
		this.#anchors.delete(id)
		return this.#wire(await this.#find(auth, id))
	}

	start(): void {
		this.periodic.start()
	}

	/** One pass over running jobs: add the rows whose slot has come, finish jobs whose rows all finished. */
	tick(): Promise<void> {
		this.#ticking ??= this.#tick().finally(() => {
			this.#ticking = null
		})
		return this.#ticking
	}

	async #tick(): Promise<void> {
		try {
			for (const job of await this.repo.running()) await this.#advance(job)
		} catch (err) {
			this.log.error('replay tick failed', { error: err instanceof Error ? err.message : String(err) })
		}
	}

	async #advance(job: ReplayJobRow): Promise<void> {
		const now = this.clock.now()
		if (!(await this.destinationExists(job.env_id, job.destination_id))) {
			await this.repo.finish(job.id, 'failed', now, 'The destination was deleted')
			return
		}
		if (job.enqueued < job.total) {
			let anchor = this.#anchors.get(job.id)
			if (!anchor) this.#anchors.set(job.id, (anchor = { at: now, base: job.enqueued }))
			const slotMs = 1000 / job.rate_limit
			const due = Math.min(job.total, anchor.base + Math.floor((now - anchor.at) / slotMs) + 1) - job.enqueued
			if (due > 0) {
				const slots = Array.from({ length: due }, (_, i) => Math.round(anchor.at + (job.enqueued - anchor.base + i) * slotMs))
				await this.repo.enqueue(job, slots, slots.map(() => newId('dlv')), now)
				this.wake()
			}
			return
		}
		const p = await this.repo.progress(job.id)
		if (p.succeeded + p.failed + p.skipped >= job.total) {
			await this.repo.finish(job.id, 'completed', now)
			this.#anchors.delete(job.id)
		}
	}

	async stop(): Promise<void> {
		this.periodic.stop()
		await this.#ticking
	}
}
