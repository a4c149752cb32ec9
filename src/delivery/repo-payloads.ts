import type { Database } from 'bun:sqlite'
import { eventDeletions } from '../db/event-deletions'
import { prepare } from '../db/sql'
import type { EventToDeliver } from '../events/queries'
import { toDeliverSql } from './repo-sql'

/** Events' payloads read for many deliveries at once (payloads-ahead.ts), on SQLite. */
export function payloadStatements(db: Database) {
	const read = prepare<EventToDeliver, [string]>(db, toDeliverSql('IN (SELECT value FROM json_each($1))'))
	return {
		/** The events of these ids that are still stored with an inline body. */
		async readToDeliver(eventIds: string[]): Promise<EventToDeliver[]> {
			return eventIds.length === 0 ? [] : read.all(JSON.stringify(eventIds))
		},
		/**
		 * Moves whenever events are deleted (db/event-deletions.ts): a copy read before a move may
		 * be of a purged event. Null where deletes by other processes go unseen (a shared database).
		 */
		eventDeletions(): number | null {
			return eventDeletions(db)
		}
	}
}
