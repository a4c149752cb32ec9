import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, whereOf } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { nextTurn } from '../lib/turn'
import { eventSeek, SEQ_ORDER } from './order-sql'
import type { EventRow } from './repo'
import { byIdQuery, conditionsOf, countQuery, FROM, likeEscaped, listByIdsQuery, listQuery, PAYLOAD, STORED_IN_SOURCE, toDeliverQuery, totalsAnswer } from './repo-sql'
import { seqInParams } from './seq-sql'

/** The read side of the events table: what the API lists and shows. Ingest writes through repo.ts. */

export type EventDetailRow = EventRow & { source_name: string | null; source_slug: string | null }
export type EventListRow = Omit<EventDetailRow, 'payload_inline'>

export interface EventFilter {
	envId: string
	sourceId?: string | undefined
	status?: string | undefined
	verificationStatus?: string | undefined
	dedupStatus?: string | undefined
	method?: string | undefined
	after?: number | undefined
	before?: number | undefined
}

/** How far one search looks, so its cost does not grow with everything kept. */
export interface SearchBounds {
	/** Events examined per request, from the page's starting point on. */
	window: number
	/** Events examined per statement; the event loop (ingest) runs between two chunks. */
	chunk: number
	/** Leading bytes of each inline body compared. */
	prefixBytes: number
}

export interface SearchResult {
	/** Matching ids, in fetch order. */
	ids: string[]
	/** Events examined. */
	scanned: number
	/** The last event examined, when the window ended before the events did (the search goes on after it). */
	cutAt: string | null
}

/** One chunk of the search window: each event's id and whether it matches (0/1). */
export type SearchChunk = { id: string; hit: number }[]

/**
 * Walks at most `bounds.window` events from the seek point, chunk by chunk, with the
 * event loop free between two chunks; collects the ids the chunk marks as hits.
 */
export async function scanWindow(
	seek: Seek,
	bounds: SearchBounds,
	chunkAt: (from: Seek, size: number) => SearchChunk | Promise<SearchChunk>
): Promise<SearchResult> {
	const ids: string[] = []
	let scanned = 0
	let from = seek
	for (;;) {
		const room = bounds.window - scanned
		// One row past the window tells whether the events go on beyond it.
		const size = Math.min(bounds.chunk, room + 1)
		// SQLite answers synchronously; only PostgreSQL's chunk is a promise.
		const raw = chunkAt(from, size)
		const rows = raw instanceof Promise ? await raw : raw
		const examined = rows.slice(0, room)
		for (const r of examined) if (r.hit) ids.push(r.id)
		scanned += examined.length
		const lastExamined = examined.at(-1)?.id ?? from.id
		if (rows.length > room) return { ids, scanned, cutAt: lastExamined }
		if (rows.length < size || lastExamined === null) return { ids, scanned, cutAt: null }
		from = { ...seek, id: lastExamined }
		await nextTurn()
	}
}

export type EventQueries = ReturnType<typeof createEventQueries>

export type EventToDeliver = Pick<EventDetailRow, 'id' | 'content_type' | 'payload_inline'>

export function createEventQueries(db: Database) {
	const byId = prepare<EventDetailRow, [string]>(db, byIdQuery(SEQ_ORDER))
	const payload = prepare<{ body: Uint8Array }, [string]>(db, PAYLOAD)
	const toDeliver = prepare<EventToDeliver, [string]>(db, toDeliverQuery(SEQ_ORDER))
	const storedInEnv = prepare<{ n: number | null }, [string]>(db, 'SELECT SUM(stored) AS n FROM event_totals WHERE env_id = $1')
	const storedInSource = prepare<{ n: number }, [string, string]>(db, STORED_IN_SOURCE)
	const byIds = prepare<EventListRow, [string, string]>(db, listByIdsQuery(SEQ_ORDER))
	const all = <Row>(sql: string, params: SqlValue[]) => prepare<Row, SqlValue[]>(db, sql).all(...params)

	/** One chunk of the search window: each event's id and whether it matches. */
	function searchChunk(filter: EventFilter, seek: Seek, needle: string, size: number, prefixBytes: number) {
		// Pages walk the list index by seq (order-sql.ts).
		const { condition, orderBy } = eventSeek(SEQ_ORDER, seek)
		const w = whereOf([...conditionsOf(SEQ_ORDER, filter), condition])
		const text = w.bind(likeEscaped(needle))
		const hit = `(e.id LIKE ${text} || '%' ESCAPE '\\' OR CAST(substr(e.payload_inline, 1, ${w.bind(prefixBytes)}) AS TEXT) LIKE '%' || ${text} || '%' ESCAPE '\\')`
		return all<{ id: string; hit: number }>(`SELECT e.id, ${hit} AS hit FROM events e WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(size)}`, w.params)
	}

	return {
		async findById(id: string): Promise<EventDetailRow | null> {
			return byId.get(id)
		},
		/** What a delivery sends of an event, without the columns only the API shows (read once per attempt). */
		async findToDeliver(id: string): Promise<EventToDeliver | null> {
			return toDeliver.get(id)
		},
		async readPayload(id: string): Promise<Uint8Array | null> {
			return payload.get(id)?.body ?? null
		},
		/** `limit` rows from the seek point in its fetch order, after skipping `offset`. */
		async list(filter: EventFilter, seek: Seek, page: { offset: number; limit: number }): Promise<EventListRow[]> {
			const q = listQuery(SEQ_ORDER, filter, seek, page)
			return all(q.text, q.params)
		},
		/** The rows of these ids, in the order given. */
		async listByIds(ids: string[]): Promise<EventListRow[]> {
			if (ids.length === 0) return []
			const rows = byIds.all(...seqInParams(ids))
			const byKey = new Map(rows.map((r) => [r.id, r]))
			return ids.flatMap((id) => byKey.get(id) ?? [])
		},
		async count(filter: EventFilter): Promise<number> {
			// Environment or source alone: the totals ingest maintains answer without scanning.
			const { envId, sourceId } = filter
			if (totalsAnswer(filter)) {
				return sourceId ? (storedInSource.get(envId, sourceId)?.n ?? 0) : (storedInEnv.get(envId)?.n ?? 0)
			}
			const q = countQuery(SEQ_ORDER, filter)
			return all<{ n: number }>(q.text, q.params)[0]?.n ?? 0
		},
		/**
		 * Event-id prefix or text in the first `prefixBytes` of an inline body, over at most
		 * `window` events from the seek point: a bounded number of bounded statements, with
		 * the event loop free between them.
		 */
		async search(filter: EventFilter, seek: Seek, needle: string, bounds: SearchBounds): Promise<SearchResult> {
			return scanWindow(seek, bounds, (from, size) => searchChunk(filter, from, needle, size, bounds.prefixBytes))
		}
	}
}
