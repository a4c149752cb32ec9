import { BadRequest } from './errors'

/** Opaque cursor = base64url of the last id of the page (ids sort by creation). */
export function encodeCursor(id: string): string {
	return Buffer.from(id, 'utf8').toString('base64url')
}

/** Decodes a cursor and checks it names an id of the expected kind; 400 otherwise. */
export function decodeCursor(cursor: string, prefix: string): string {
	const id = Buffer.from(cursor, 'base64url').toString('utf8')
	if (!new RegExp(`^${prefix}_[0-9a-f]{32}$`).test(id)) throw new BadRequest('Invalid cursor', [{ path: '/cursor', message: 'is not a cursor returned by this API' }])
	return id
}

export interface Page<T> {
	items: T[]
	cursor: string | null
	has_more: boolean
}

/** Repos fetch `limit + 1` rows; the extra row only tells whether another page exists. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
	const has_more = rows.length > limit
	const items = has_more ? rows.slice(0, limit) : rows
	const last = items[items.length - 1]
	return { items, has_more, cursor: has_more && last ? encodeCursor(last.id) : null }
}
