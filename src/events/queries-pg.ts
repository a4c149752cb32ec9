import type { Pg } from '../db/pg/client'
import { retryRead } from '../db/pg/read-retry'
import { whereOf } from '../db/sql'
import type { Seek } from '../lib/pagination'
import { eventSeek, ID_ORDER } from './order-sql'
import {
	type createEventQueries, type EventDetailRow, type EventFilter, type EventListRow, type EventToDeliver,
	scanWindow, type SearchBounds, type SearchChunk, type SearchResult
} from './queries'
import { byIdQuery, conditionsOf, countQuery, FROM, likeEscaped, listByIdsQuery, listQuery, PAYLOAD, STORED_IN_SOURCE, toDeliverQuery, totalsAnswer } from './repo-sql'

// SUM over a bigint column is numeric on PostgreSQL: cast back (valid SQL on both engines).
/** One array parameter: one statement text whatever the number of ids. */
const LIST_BY_IDS = listByIdsQuery(ID_ORDER)
const BY_ID = byIdQuery(ID_ORDER)
const TO_DELIVER = toDeliverQuery(ID_ORDER)
const STORED_IN_ENV = 'SELECT CAST(SUM(stored) AS BIGINT) AS n FROM event_totals WHERE env_id = $1'
const ASCII_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * What SQLite's `CAST(substr(body, 1, n) AS TEXT) LIKE '%text%'` means, spelled for
 * PostgreSQL: the first `n` bytes (up to a NUL byte, where SQLite's text ends), each byte
 * read as one LATIN1 character (any bytes convert, where UTF-8 decoding would fail on
 * binary bodies or a cut character) and ASCII letters folded to lower case, as SQLite's
 * LIKE folds only ASCII. The needle is given in the same byte-per-character form.
 */
function bodyPrefixText(bytes: string): string {
	const end = `LEAST(${bytes}, COALESCE(NULLIF(position('\\x00'::bytea IN e.payload_inline), 0) - 1, ${bytes}))`
	return `translate(convert_from(substring(e.payload_inline FROM 1 FOR ${end}), 'LATIN1'), '${ASCII_UPPER}', '${ASCII_UPPER.toLowerCase()}')`
}

/** The needle as the bytes of its UTF-8, one LATIN1 character each, ASCII-lower-cased, LIKE-escaped. */
function needleOf(text: string): string {
	const bytes = Buffer.from(text, 'utf8').toString('latin1')
	return likeEscaped(bytes.replace(/[A-Z]/g, (c) => c.toLowerCase()))
}

/** The read side of the events table on PostgreSQL; the same interface as the SQLite `createEventQueries`. */
export function createEventQueriesPg(pg: Pg): ReturnType<typeof createEventQueries> {
	const all = <Row>(text: string, params: readonly unknown[]) => retryRead(() => pg.all<Row>(text, params))
	const get = <Row>(text: string, params: readonly unknown[]) => retryRead(() => pg.get<Row>(text, params))

	/** One chunk of the search window: each event's id and whether it matches (0/1). */
	function searchChunk(filter: EventFilter, seek: Seek, needle: string, size: number, prefixBytes: number): Promise<SearchChunk> {
		const { condition, orderBy } = eventSeek(ID_ORDER, seek)
		const w = whereOf([...conditionsOf(ID_ORDER, filter), condition])
		// PostgreSQL text cannot hold a NUL; SQLite's text ends at one, so such a needle matches nothing there either.
		const hit = needle.includes('\0')
			? '0'
			: (() => {
					const text = `${w.bind(needleOf(needle))}::text`
					return `CASE WHEN e.id LIKE ${text} || '%' ESCAPE '\\' OR ${bodyPrefixText(w.bind(prefixBytes))} LIKE '%' || ${text} || '%' ESCAPE '\\' THEN 1 ELSE 0 END`
				})()
		return all<{ id: string; hit: number }>(`SELECT e.id, ${hit} AS hit FROM events e WHERE ${w.sql} ORDER BY ${orderBy} LIMIT ${w.bind(size)}`, w.params)
	}

	return {
		async findById(id: string): Promise<EventDetailRow | null> {
			return get<EventDetailRow>(BY_ID, [id])
		},
		async findToDeliver(id: string): Promise<EventToDeliver | null> {
			return get<EventToDeliver>(TO_DELIVER, [id])
		},
		async readPayload(id: string): Promise<Uint8Array | null> {
			return (await get<{ body: Uint8Array }>(PAYLOAD, [id]))?.body ?? null
		},
		async list(filter: EventFilter, seek: Seek, page: { offset: number; limit: number }): Promise<EventListRow[]> {
			const q = listQuery(ID_ORDER, filter, seek, page)
			return all<EventListRow>(q.text, q.params)
		},
		async listByIds(ids: string[]): Promise<EventListRow[]> {
			if (ids.length === 0) return []
			const rows = await all<EventListRow>(LIST_BY_IDS, [ids])
			const byKey = new Map(rows.map((r) => [r.id, r]))
			return ids.flatMap((id) => byKey.get(id) ?? [])
		},
		async count(filter: EventFilter): Promise<number> {
			if (totalsAnswer(filter)) {
				const row = filter.sourceId
					? await get<{ n: number }>(STORED_IN_SOURCE, [filter.envId, filter.sourceId])
					: await get<{ n: number | null }>(STORED_IN_ENV, [filter.envId])
				return row?.n ?? 0
			}
			const q = countQuery(ID_ORDER, filter)
			return (await get<{ n: number }>(q.text, q.params))?.n ?? 0
		},
		async search(filter: EventFilter, seek: Seek, needle: string, bounds: SearchBounds): Promise<SearchResult> {
			return scanWindow(seek, bounds, (from, size) => searchChunk(filter, from, needle, size, bounds.prefixBytes))
		}
	}
}
