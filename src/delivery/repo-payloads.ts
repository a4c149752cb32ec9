import type { Database } from 'bun:sqlite'
import { eventDeletions } from '../db/event-deletions'
import { prepare } from '../db/sql'
import type { EventToDeliver } from '../events/queries'
import { SEQ_ORDER } from '../events/order-sql'
import { toDeliverMany } from '../events/repo-sql'
import { seqInParams } from '../events/seq-sql'

/** Events' payloads read for many deliveries at once (payloads-ahead.ts), on SQLite. */
export function payloadStatements(db: Database) {
	const read = prepare<EventToDeliver, [string, string]>(db, toDeliverMany(SEQ_ORDER))
	// Moves when another connection commits to the file: a second server on this data dir, a CLI command.
	const dataVersion = prepare<{ data_version: number }, []>(db, 'PRAGMA data_version')
	let othersSeen: number | null = null
	/** Read once per event-loop turn (~1.6 µs a read): what another connection commits is seen on the next turn. */
	function otherConnections(): number {
		if (othersSeen === null) {
			othersSeen = dataVersion.get()?.data_version ?? 0
			setImmediate(() => {
				othersSeen = null
			})
		}
		return othersSeen
	}
	return {
		/** The events of these ids that are still stored with an inline body. */
		async readToDeliver(eventIds: string[]): Promise<EventToDeliver[]> {
			return eventIds.length === 0 ? [] : read.all(...seqInParams(eventIds))
		},
		/**
		 * Moves whenever this handle deletes events (db/event-deletions.ts) and whenever another
		 * connection commits anything (which may have deleted events: serve holds the data dir's
		 * lock, but another handle or a hand-run sqlite3 may still write): a copy read under
		 * another epoch may be of a purged event. Null where every delete is another instance's (a shared database).
		 */
		payloadEpoch(): string | null {
			return `${eventDeletions(db)}:${otherConnections()}`
		}
	}
}
