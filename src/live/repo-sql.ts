import { type SqlValue, whereOf } from '../db/sql'
import type { EventWalk } from '../events/order-sql'
import { EVENT_COLUMNS } from '../events/repo-sql'

/** SQL of the live repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

export const BODY_OF = 'SELECT body FROM event_payloads WHERE event_id = $1'

/** An event row (its status as the API shows it) and, when its body is kept out of line, its id again as `out_of_line`. */
export const EVENTS_SELECT = `SELECT ${EVENT_COLUMNS}, p.event_id AS out_of_line FROM events e LEFT JOIN event_payloads p ON p.event_id = e.id`
/** ($1 the ids, bound as `walk.isIn` takes them: db/id-list.ts) These events, oldest first. */
export const eventsByIds = (walk: EventWalk): string => `${EVENTS_SELECT} WHERE ${walk.isIn()} ORDER BY ${walk.column} ASC`

/** Events after `afterId`, oldest first (by id or seq: `order`), one more than `limit` (it tells whether others follow). */
export function eventsAfterQuery(order: EventWalk, envId: string, sourceId: string | null, afterId: string, limit: number): { text: string; params: SqlValue[] } {
	const w = whereOf([[order.env(), envId], [order.source(), sourceId], [order.bound('>'), afterId]])
	return {
		text: `${EVENTS_SELECT}
				 WHERE ${w.sql} ORDER BY ${order.column} ASC LIMIT ${w.bind(limit + 1)}`,
		params: w.params
	}
}
