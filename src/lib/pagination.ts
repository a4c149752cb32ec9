import { BadRequest } from './errors'

/**
 * Where a list page starts: the rows after `id` in `order` (`id` null: the first
 * page), or, walking back, the rows before it (fetched in reverse, then flipped).
 */
export interface Seek {
	id: string | null
	order: 'asc' | 'desc'
	back: boolean
}

/**
 * Opaque cursor = base64url of `{"id":…}` (the reference's cursors are base64 JSON),
 * with `"back":true` on a cursor that pages towards the start of the list.
 */
export function encodeCursor(id: string, back = false): string {
	return Buffer.from(JSON.stringify(back ? { id, back: true } : { id }), 'utf8').toString('base64url')
}

function cursorData(cursor: string): { id: unknown; back: boolean } {
	const text = Buffer.from(cursor, 'base64url').toString('utf8')
	// A bare id is what cursors held before they became JSON: still honoured across an upgrade.
	if (!text.startsWith('{')) return { id: text, back: false }
	try {
		const data = JSON.parse(text) as { id?: unknown; back?: unknown }
		return { id: data.id, back: data.back === true }
	} catch {
		return { id: null, back: false }
	}
}

/** Decodes a cursor and checks it names an id of the expected kind; 400 otherwise. */
export function decodeCursor(cursor: string, prefix: string): { id: string; back: boolean } {
	const { id, back } = cursorData(cursor)
	if (typeof id !== 'string' || !new RegExp(`^${prefix}_[0-9a-f]{32}$`).test(id)) {
		throw new BadRequest('Invalid cursor', [{ path: '/cursor', message: 'is not a cursor returned by this API' }])
	}
	return { id, back }
}

/** The seek of a list request: from its cursor (if any), in the list's order (newest first unless asked). */
export function seekFrom(cursor: string | undefined | null, prefix: string, order: 'asc' | 'desc' = 'desc'): Seek {
	if (!cursor) return { id: null, order, back: false }
	const { id, back } = decodeCursor(cursor, prefix)
	return { id, order, back }
}

export interface Page<T> {
	items: T[]
	/** More rows follow this page in the list's order. */
	has_more: boolean
	next_cursor: string | null
	/** Null on the first page. */
	prev_cursor: string | null
}

/**
 * The one page builder for every cursor-paginated list. Repos fetch `limit + 1`
 * rows in the seek's fetch order; the extra row only tells whether the walk can go on.
 * `skipped` is the rows an offset passed over (they precede the page).
 */
export function pageOf<T extends { id: string }>(rows: T[], limit: number, seek: Seek, skipped = 0): Page<T> {
	const items = rows.slice(0, limit)
	const last = items.at(-1)
	return pageAt(items, seek, rows.length > limit && last ? last.id : null, skipped)
}

/**
 * A page from `items` in fetch order, when the walk goes on after `continueAt`
 * (null: nothing further that way). Walking back, the page is flipped into list order.
 */
export function pageAt<T extends { id: string }>(items: T[], seek: Seek, continueAt: string | null, skipped = 0): Page<T> {
	const shown = seek.back ? items.slice().reverse() : items
	const first = shown[0]
	const last = shown.at(-1)
	// Rows lie behind the starting point when the page was reached by a cursor or an offset.
	const behind = seek.id !== null || skipped > 0
	if (seek.back) {
		return {
			items: shown,
			has_more: behind && last !== undefined,
			next_cursor: behind && last ? encodeCursor(last.id) : null,
			prev_cursor: continueAt === null ? null : encodeCursor(continueAt, true)
		}
	}
	return {
		items: shown,
		has_more: continueAt !== null,
		next_cursor: continueAt === null ? null : encodeCursor(continueAt),
		prev_cursor: behind && first ? encodeCursor(first.id, true) : null
	}
}

/** `has_more` of an offset-paginated list that also reports its total. */
export function hasMoreAt(offset: number, rowCount: number, total: number): boolean {
	return offset + rowCount < total
}
