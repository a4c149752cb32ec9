import type { Database } from 'bun:sqlite'
import { eventDeletions } from '../db/event-deletions'
import { prepare } from '../db/sql'
import type { EventToDeliver } from '../events/queries'
import { SEQ_ORDER } from '../events/order-sql'
import { toDeliverMany } from '../events/repo-sql'
import { seqInParams } from '../events/seq-sql'

/** How stale the count of other connections' commits in the payload epoch may be. */
export const OTHERS_MS = 5

/** Events' payloads read for many deliveries at once (payloads-ahead.ts), on SQLite. */
export function payloadStatements(db: Database) {
	const read = prepare<EventToDeliver, [string, string]>(db, toDeliverMany(SEQ_ORDER))
	// Moves when another connection commits to the file: a second server on this data dir, a CLI command.
	const dataVersion = prepare<{ data_version: number }, []>(db, 'PRAGMA data_version')
	let others = 0
	let othersReadAt = Number.NEGATIVE_INFINITY
	/**
	 * Read at most every OTHERS_MS (~1.6 µs a read): what another connection commits is seen within
	 * that long. Such a commit is not ordered with the sends in flight anyway, and a read per event-loop
	 * turn cost ~0.5 µs a delivery at 8 in flight, where a turn finishes a few sends (BENCHMARKS.md).
	 */
	function otherConnections(): number {
		const now = performance.now()
		if (now - othersReadAt >= OTHERS_MS) {
			others = dataVersion.get()?.data_version ?? 0
			othersReadAt = now
		}
		return others
	}
	let epoch = '0:0'
	let epochOf = { deletions: 0, others: 0 }
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
			const deletions = eventDeletions(db)
			const others = otherConnections()
			// The same string while nothing moved: read per send, compared with the one its copy was read under.
			if (deletions !== epochOf.deletions || others !== epochOf.others) {
				epoch = `${deletions}:${others}`
				epochOf = { deletions, others }
			}
			return epoch
		}
	}
}
