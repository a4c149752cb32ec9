import type { Database } from 'bun:sqlite'

/**
 * How many transactions deleted events through a handle: retention (events/repo.ts), an
 * environment's purge (tenancy/repo.ts), a test session's delete (sessions/repo.ts); any new
 * delete of events must count here too. One process owns a SQLite data dir, so this sees them all.
 * What was read of an event ahead of its send (the delivery worker's payloads read
 * ahead) is void once the count moves: a purged event must not be sent from a copy.
 */
const counts = new WeakMap<Database, number>()

/** Called in or right after a transaction that deletes events, before anything else runs (a rollback leaves a harmless extra count). */
export function countEventDeletion(db: Database): void {
	counts.set(db, (counts.get(db) ?? 0) + 1)
}

export function eventDeletions(db: Database): number {
	return counts.get(db) ?? 0
}
