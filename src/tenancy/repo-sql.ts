import type { EventWalk } from '../events/order-sql'
import { EVENT_CHILD_TABLES, eventChildrenDeletes } from '../events/repo-sql'

/** SQL of the tenancy repo shared by SQLite (repo.ts) and PostgreSQL (repo-pg.ts). */

export const FIRST_ENV = 'SELECT * FROM environments WHERE slug = $1 ORDER BY id LIMIT 1'
export const INSERT_ORG = 'INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)'
// Better Auth's twin row (same id): its members and invitations reference it. Dates as it writes them
// (an ISO string: SQLite stores the text, PostgreSQL reads it into its timestamptz column).
export const INSERT_AUTH_ORG = 'INSERT INTO "organization" ("id", "name", "slug", "createdAt") VALUES ($1, $2, $1, $3)'
export const INSERT_ENV = 'INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ($1, $2, $3, $4, $5)'
export const ORG_BY_ID = 'SELECT * FROM organizations WHERE id = $1'
export const ENV_BY_ID = 'SELECT * FROM environments WHERE id = $1'
export const ENVS_OF = 'SELECT * FROM environments WHERE org_id = $1 ORDER BY created_at, id'
export const COUNT_ENVS = 'SELECT COUNT(*) AS n FROM environments WHERE org_id = $1'
export const UPDATE_ENV = 'UPDATE environments SET name = $2, slug = $3 WHERE id = $1'

/** ($1 env) How many things live in it; its events counted in the list index (`walk`). */
export const contentsQuery = (walk: EventWalk) => `SELECT (SELECT COUNT(*) FROM sources WHERE env_id = $1) + (SELECT COUNT(*) FROM destinations WHERE env_id = $1)
	      + (SELECT COUNT(*) FROM events e WHERE ${walk.env('$1')}) + (SELECT COUNT(*) FROM api_keys WHERE env_id = $1 AND revoked = 0) AS n`
/**
 * ($1 env, $2 event id): the usage counts; events from that id on, counted in the list index
 * alone (`bound`, not `edge`: an id test would read every row of the month).
 */
export const usageQuery = (order: EventWalk) => `SELECT (SELECT COUNT(*) FROM sources WHERE env_id = $1) AS sources, (SELECT COUNT(*) FROM destinations WHERE env_id = $1) AS destinations,
	        (SELECT COUNT(*) FROM events e WHERE ${order.env('$1')} AND ${order.bound('>=', '$2')}) AS events`
export const SOURCE_IDS = 'SELECT id FROM sources WHERE env_id = $1'
export const DESTINATION_IDS = 'SELECT id FROM destinations WHERE env_id = $1'
/**
 * A forced environment delete, children first: nothing below cascades by itself except
 * connections. Its events are found through the list index (`walk`).
 */
export const purgeStatements = (walk: EventWalk): readonly string[] => [
	'DELETE FROM delivery_attempts WHERE env_id = $1',
	'DELETE FROM deliveries WHERE env_id = $1',
	'DELETE FROM issues WHERE env_id = $1',
	// Attempts and deliveries went by env_id above: the other children through the events' list index.
	...eventChildrenDeletes(`SELECT e.id FROM events e WHERE ${walk.env('$1')}`, EVENT_CHILD_TABLES.filter((t) => t !== 'delivery_attempts' && t !== 'deliveries')),
	'DELETE FROM dedup_keys WHERE source_id IN (SELECT id FROM sources WHERE env_id = $1)',
	'DELETE FROM event_totals WHERE env_id = $1',
	`DELETE FROM events AS e WHERE ${walk.env('$1')}`,
	'DELETE FROM connections WHERE env_id = $1',
	'DELETE FROM destinations WHERE env_id = $1',
	'DELETE FROM sources WHERE env_id = $1',
	'DELETE FROM api_keys WHERE env_id = $1',
	'DELETE FROM environments WHERE id = $1'
]
