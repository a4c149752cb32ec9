import type { AuthContext } from '../auth/service'
import { defaultGuard, type OutboundGuard, pinUrl, SsrfBlocked } from '../delivery/ssrf'
import type { EventRow } from '../events/repo'
import type { Clock } from '../lib/clock'
import { AppError, BadRequest, Gone, NotFound } from '../lib/errors'
import { asId, newId } from '../lib/ids'
import type { Logger } from '../lib/log'
import type { SourceRow } from '../sources/repo'
import type { TenancyRepo } from '../tenancy/repo'
import { relay } from './relay'
import type { ExportRow, SessionRow, SessionsRepo } from './repo'
import { sessionEventWire, sessionIdOf, sessionWire } from './model'
import { IpWindowLimiter } from './rate-limit'

export interface TestSessionOptions {
	ttlSeconds: number
	requestLimit: number
	perIpPerHour: number
	allowPrivateDestinations: boolean
}

/** Unclaimed sessions live in one internal environment that no API key belongs to. */
const TENANCY = { org: 'Test sessions', env: 'Test sessions', envSlug: '~test-sessions' } as const
const PURGE_GRACE_MS = 86_400_000
/** Body bytes one export page loads (at least one event). */
export const EXPORT_PAGE_BYTES = 1024 * 1024

export interface CustomResponse {
	status: number
	contentType: string
	body: string
}

/**
 * Throwaway endpoints anyone can create (rate limited per IP): an ephemeral
 * source whose ingest stops at `expires_at` (410) or `request_limit` (429). The
 * custom responses and forwarding targets live in memory for the ingest path and
 * the commit hook; everything else reads the database.
 */
export class TestSessionsService {
	readonly #responses = new Map<string, CustomResponse>()
	readonly #forwards = new Map<string, string>()
	readonly #limiter: IpWindowLimiter
	readonly #guard: OutboundGuard
	readonly #listeners: ((sourceId: string) => void)[] = []
	#timer: Timer | null = null

	constructor(
		private readonly repo: SessionsRepo,
		private readonly tenancy: TenancyRepo,
		private readonly clock: Clock,
		private readonly log: Logger,
		private readonly opts: TestSessionOptions
	) {
		this.#limiter = new IpWindowLimiter(opts.perIpPerHour, 3_600_000)
		this.#guard = defaultGuard(opts.allowPrivateDestinations)
	}

	/** Told when a session's source changes identity or goes away (caches hold compiled sources). */
	onChange(listener: (sourceId: string) => void): void {
		this.#listeners.push(listener)
	}

	async start(): Promise<void> {
		for (const row of await this.repo.configured()) this.#remember(row)
		// Every instance purges (no tick claim): each must forget its own cached responses and
		// forwards of the sessions it sees expire, and deleting an already deleted session is a no-op.
		this.#timer = setInterval(() => void this.purgeExpired(), 60_000)
		this.#timer.unref()
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer)
	}

	#remember(row: SessionRow): void {
		if (row.response_status === null) this.#responses.delete(row.source_id)
		else this.#responses.set(row.source_id, { status: row.response_status, contentType: row.response_content_type ?? 'text/plain', body: row.response_body ?? '' })
		if (row.forward_enabled && row.forward_url) this.#forwards.set(row.source_id, row.forward_url)
		else this.#forwards.delete(row.source_id)
	}

	#forget(sourceId: string): void {
		this.#responses.delete(sourceId)
		this.#forwards.delete(sourceId)
		for (const l of this.#listeners) l(sourceId)
	}

	async create(ip: string | null, baseUrl: string) {
		const now = this.clock.now()
		const retryAfter = this.#limiter.hit(ip ?? 'unknown', now)
		if (retryAfter !== null) throw new AppError(429, `Too many test sessions from this address: ${this.opts.perIpPerHour} per hour`, undefined, { 'retry-after': String(Math.ceil(retryAfter / 1000)) })
		const env = await this.tenancy.ensureDefault({ orgId: newId('org'), envId: newId('env') }, TENANCY, now)
		const id = newId('src', now)
		const source: SourceRow = {
			id, org_id: env.org_id, env_id: env.id, slug: `test-${id.slice(-12)}`, name: `Test session ${id.slice(-12)}`, description: null, template: null,
			verification_enabled: 0, verification_type: null, verification_secret: null, verification_header: null, verification_config: null,
			dedup_enabled: 0, dedup_strategy: null, dedup_field: null, dedup_window_seconds: 300, ip_allowlist: null, ip_denylist: null,
			status: 'active', event_count: 0, last_event_at: null, created_at: now, updated_at: now, is_ephemeral: 1,
			expires_at: now + this.opts.ttlSeconds * 1000, request_limit: this.opts.requestLimit, type: 'http', source_config: null,
			schema_validation_enabled: 0, json_schema: null, schema_action: null, rate_limit_per_second: null
		}
		await this.repo.create(source, ip)
		const wire = sessionWire((await this.repo.find(id)) as SessionRow, baseUrl)
		return { session_id: wire.id, source_id: id, url: wire.url, expires_at: wire.expires_at as string, request_limit: this.opts.requestLimit, request_count: 0 }
	}

	/** A session by its id (32 hex, or the source id): 404 when unknown or already claimed. */
	async #find(id: string): Promise<SessionRow> {
		const sourceId = asId('src', id)
		const row = sourceId ? await this.repo.find(sourceId) : null
		if (!row) throw new NotFound('Test session')
		return row
	}

	async get(id: string, baseUrl: string, q: { cursor?: string | undefined; limit?: number | undefined; method?: string | undefined }) {
		const row = await this.#find(id)
		const limit = q.limit ?? 50
		const cursor = q.cursor === undefined ? null : asId('evt', q.cursor)
		if (q.cursor !== undefined && cursor === null) throw new BadRequest("Invalid query: 'cursor' must be an event id")
		const rows = await this.repo.events(row.source_id, { cursor, limit: limit + 1, method: q.method?.toUpperCase() })
		const page = rows.slice(0, limit)
		const has_more = rows.length > limit
		return { session: sessionWire(row, baseUrl), events: page.map(sessionEventWire), pagination: { limit, has_more, next_cursor: has_more ? (page.at(-1)?.id ?? null) : null } }
	}

	async setResponse(id: string, body: { status_code: number; content_type?: string | undefined; body?: string | undefined }, baseUrl: string) {
		const row = await this.#find(id)
		await this.repo.setResponse(row.source_id, body.status_code, body.content_type ?? 'text/plain', body.body ?? '')
		const next = (await this.repo.find(row.source_id)) as SessionRow
		this.#remember(next)
		return { session: sessionWire(next, baseUrl) }
	}

	async setForwarding(id: string, body: { url?: string | null | undefined; enabled: boolean }, baseUrl: string) {
		const row = await this.#find(id)
		const url = body.url === undefined ? row.forward_url : body.url
		if (body.enabled && !url) throw new BadRequest("Invalid body: 'url' is required to enable forwarding", [{ path: '/url', message: 'is required to enable forwarding' }])
		if (url) await this.#checkTarget(url)
		await this.repo.setForwarding(row.source_id, url, body.enabled)
		const next = (await this.repo.find(row.source_id)) as SessionRow
		this.#remember(next)
		return { session: sessionWire(next, baseUrl) }
	}

	/** The SSRF guard of deliveries, applied when the URL is set (and again on every relay). */
	async #checkTarget(text: string): Promise<void> {
		let url: URL
		try {
			url = new URL(text)
		} catch {
			throw new BadRequest("Invalid body: 'url' must be an http(s) URL", [{ path: '/url', message: 'must be an http(s) URL' }])
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadRequest("Invalid body: 'url' must be an http(s) URL", [{ path: '/url', message: 'must be an http(s) URL' }])
		try {
			await pinUrl(url, this.#guard)
		} catch (err) {
			if (err instanceof SsrfBlocked) throw new BadRequest(`Invalid body: 'url' ${err.message}`, [{ path: '/url', message: err.message }])
			throw new BadRequest(`Invalid body: 'url' host does not resolve`, [{ path: '/url', message: 'host does not resolve' }])
		}
	}

	/** The session's events with bodies, oldest first, a page at a time (exports stream, never load everything). */
	async exportPages(id: string): Promise<(after: string) => Promise<ExportRow[]>> {
		const row = await this.#find(id)
		// Public and unauthenticated: each reader holds one page, so a page is bounded in bytes, not only in events.
		return (after) => this.repo.exportPage(row.source_id, after, 100, EXPORT_PAGE_BYTES)
	}

	async setNote(id: string, eventId: string, note: string | null) {
		const row = await this.#find(id)
		const evt = asId('evt', eventId)
		if (!evt || !(await this.repo.setNote(row.source_id, evt, note, this.clock.now()))) throw new NotFound('Event')
		return { event_id: evt, note }
	}

	async delete(id: string): Promise<void> {
		const row = await this.#find(id)
		await this.repo.delete(row.source_id)
		this.#forget(row.source_id)
	}

	/** Makes the session's source a permanent source of the caller's environment, with every event. */
	async claim(id: string, auth: AuthContext): Promise<string> {
		const row = await this.#find(id)
		await this.repo.claim(row.source_id, auth.orgId, auth.envId, this.clock.now(), row.slug)
		this.#forget(row.source_id)
		return row.source_id
	}

	/** `/v1/ws/test/:session_id`: which stream the unauthenticated feed may carry. */
	async feed(id: string) {
		const row = await this.#find(id)
		if (row.expires_at !== null && row.expires_at <= this.clock.now()) throw new Gone('Test session has expired')
		return { sessionId: sessionIdOf(row.source_id), sourceId: row.source_id, orgId: row.org_id, envId: row.env_id }
	}

	/** For the ingest path: the configured answer of this session, if any (a Map lookup). */
	responseFor(sourceId: string): CustomResponse | undefined {
		return this.#responses.get(sourceId)
	}

	/** After each ingest commit: relay events of sessions that forward (nothing to do when none do). */
	eventsCommitted(batch: readonly { row: EventRow; body: Uint8Array }[]): void {
		if (this.#forwards.size === 0) return
		for (const p of batch) {
			const url = this.#forwards.get(p.row.source_id)
			if (url) void relay(url, p.row, p.body, this.#guard, this.log)
		}
	}

	/** Sessions a day past expiry go, with their events (senders got 410 meanwhile). */
	async purgeExpired(): Promise<number> {
		let purged = 0
		try {
			for (const id of await this.repo.expiredBefore(this.clock.now() - PURGE_GRACE_MS, 100)) {
				await this.repo.delete(id)
				this.#forget(id)
				purged++
			}
		} catch (err) {
			this.log.error('test session purge failed', { error: err instanceof Error ? err.message : String(err) })
		}
		if (purged) this.log.info('expired test sessions purged', { sessions: purged })
		return purged
	}
}
