import type { Database } from 'bun:sqlite'

/**
 * How many transactions deleted events through a handle (retention, an environment's
 * purge). One process owns a SQLite data dir, so every delete of events is counted here.
 * What was read of an event ahead of its send (the delivery worker's payloads read
 * ahead) is void once the count moves: a purged event must not be sent from a copy.
 */
const counts = new WeakMap<Database, number>()

/** Called inside a transaction that deletes events (a rollback leaves a harmless extra count). */
export function countEventDeletion(db: Database): void {
	counts.set(db, (counts.get(db) ?? 0) + 1)
}

export function eventDeletions(db: Database): number {
	return counts.get(db) ?? 0
}
