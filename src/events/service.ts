import type { AuthContext } from '../auth/service'
import { toIso } from '../lib/clock'
import { NotFound, ValidationFailed } from '../lib/errors'
import { jsonDepthWithin } from '../lib/json-depth'
import { type Page, pageAt, pageOf, type Seek, seekFrom } from '../lib/pagination'
import type { ListEventsOptions } from './model'
import type { EventFilter, EventListRow, SearchBounds } from './queries'
import type { EventRow, EventsRepo } from './repo'

/**
 * `search` looks at the newest 10,000 events that pass the other filters (counted
 * from the cursor, in the list's direction), and at the first 4 KB of each inline
 * body: its cost does not grow with retention. Ingest runs between its chunks.
 */
export const SEARCH_BOUNDS: SearchBounds = { window: 10_000, chunk: 250, prefixBytes: 4096 }

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function asUtf8(bytes: Uint8Array): string | null {
	try {
		return strictUtf8.decode(bytes)
	} catch {
		return null
	}
}

/** The body as JSON, or null when it is not JSON or nests too deeply to serve (ingest stored it as not-JSON). */
function payloadOf(bytes: Uint8Array, text: string | null): unknown {
	if (text === null || text.length === 0 || !jsonDepthWithin(bytes)) return null
	try {
		return JSON.parse(text)
	} catch {
		return null
	}
}

function parseTime(value: string | undefined, field: string): number | undefined {
	if (value === undefined) return undefined
	// Date.parse also takes "1" or "March 7"; a filter wants an unambiguous ISO 8601 time.
	const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN
	if (Number.isNaN(ms)) throw new ValidationFailed(`/${field}`, 'must be an ISO 8601 timestamp', 'query')
	return ms
}

function summary(r: EventListRow) {
	return {
		id: r.id, source_id: r.source_id, org_id: r.org_id, env_id: r.env_id, method: r.method, content_type: r.content_type,
		source_ip: r.source_ip, payload_size: r.payload_size, verification_status: r.verification_status,
		dedup_status: r.dedup_status, status: r.status, received_at: toIso(r.received_at), source_name: r.source_name, source_slug: r.source_slug
	}
}

function listOf(page: Page<EventListRow>, total: number, limit: number, offset: number) {
	const { has_more, next_cursor, prev_cursor } = page
	return { events: page.items.map(summary), pagination: { total, limit, offset, has_more, next_cursor, prev_cursor } }
}

/** Reads what ingest stored: lists with filters and pages, and each event byte for byte. */
export class EventsService {
	constructor(
		private readonly repo: EventsRepo,
		private readonly searchBounds: SearchBounds = SEARCH_BOUNDS
	) {}

	async list(auth: AuthContext, q: ListEventsOptions) {
		const limit = q.limit ?? 50
		const offset = q.offset ?? 0
		const filter: EventFilter = {
			envId: auth.envId, sourceId: q.source_id, status: q.status, verificationStatus: q.verification_status,
			dedupStatus: q.dedup_status, method: q.method?.toUpperCase(),
			after: parseTime(q.after, 'after'), before: parseTime(q.before, 'before')
		}
		const seek = seekFrom(q.cursor, 'evt', q.direction ?? 'desc')
		if (q.search) return this.#search(filter, seek, q.search, limit, offset)
		const [rows, total] = await Promise.all([this.repo.list(filter, seek, { offset, limit: limit + 1 }), this.repo.count(filter)])
		return listOf(pageOf(rows, limit, seek, offset), total, limit, offset)
	}

	/** `total` counts the matches inside the searched window; `next_cursor` goes on past it. */
	async #search(filter: EventFilter, seek: Seek, needle: string, limit: number, offset: number) {
		const found = await this.repo.search(filter, seek, needle, this.searchBounds)
		const ids = found.ids.slice(offset, offset + limit)
		const continueAt = found.ids.length > offset + limit ? (ids.at(-1) ?? null) : found.cutAt
		const rows = await this.repo.listByIds(ids)
		return listOf(pageAt(rows, seek, continueAt, offset), found.ids.length, limit, offset)
	}

	async #find(auth: AuthContext, id: string) {
		const row = await this.repo.findById(id)
		if (!row || row.env_id !== auth.envId) throw new NotFound('Event')
		return row
	}

	/** The exact bytes received, wherever they are stored. */
	async #body(row: EventRow): Promise<Uint8Array> {
		if (row.payload_inline) return row.payload_inline
		if (row.payload_ref) return (await this.repo.readPayload(row.id)) ?? new Uint8Array(0)
		return new Uint8Array(0)
	}

	async get(auth: AuthContext, id: string) {
		const row = await this.#find(auth, id)
		const bytes = await this.#body(row)
		const text = asUtf8(bytes)
		return {
			...summary(row),
			headers: JSON.parse(row.headers) as Record<string, string>,
			query_params: row.query_params === null ? null : (JSON.parse(row.query_params) as Record<string, string | string[]>),
			payload_inline: row.payload_inline && text !== null ? text : null,
			payload_ref: row.payload_ref,
			payload: payloadOf(bytes, text),
			body: text ?? Buffer.from(bytes).toString('base64'),
			body_encoding: text === null ? ('base64' as const) : ('utf8' as const),
			verification_error: row.verification_error,
			dedup_hash: row.dedup_hash,
			topic: row.topic
		}
	}

	async raw(auth: AuthContext, id: string): Promise<{ bytes: Uint8Array; contentType: string | null }> {
		const row = await this.#find(auth, id)
		return { bytes: await this.#body(row), contentType: row.content_type }
	}
}
