import type { EventFilter } from '../../src/events/queries'
import type { Seek } from '../../src/lib/pagination'

/** An events list as the repos answer it (`createEventQueries(db).list`, or a statement of it). */
export type EventList = (filter: EventFilter, seek: Seek, page: { offset: number; limit: number }) => Promise<{ id: string }[]>

/**
 * Every page of four of a list from its first in `order`, each read from the cursor the page
 * before it ends with; with `back`, then every page back from each later page's first row.
 */
export async function pagesOf(list: EventList, filter: EventFilter, order: 'asc' | 'desc', back = true): Promise<string[][]> {
	const limit = 4
	const pages: string[][] = []
	let seek: Seek = { id: null, order, back: false }
	for (;;) {
		const rows = (await list(filter, seek, { offset: 0, limit: limit + 1 })).map((r) => r.id)
		pages.push(rows.slice(0, limit))
		if (rows.length <= limit) break
		seek = { id: rows[limit - 1] as string, order, back: false }
	}
	if (back) for (const page of pages.slice(1)) pages.push((await list(filter, { id: page[0] as string, order, back: true }, { offset: 0, limit })).map((r) => r.id))
	return pages
}
