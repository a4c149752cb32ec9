import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import type { MemoryLeases } from './memory-leases'
import { DESTINATION_OWNERS, RELEASE_DESTINATION_LEASE, RELEASE_DESTINATION_LEASES, RELEASE_ORPHANED, takeDestinationLeases } from './repo-sql'

export interface DestinationLease {
	destination_id: string
	owner: string
	lease_until: number
}

/** Destinations per ownership statement: keeps each statement's parameter count small. */
export const LEASE_CHUNK = 100

/** Ids once each, in chunks of at most LEASE_CHUNK (a multi-row upsert may not name a key twice). */
export function leaseChunks(ids: string[]): string[][] {
	const unique = [...new Set(ids)]
	const chunks: string[][] = []
	for (let i = 0; i < unique.length; i += LEASE_CHUNK) chunks.push(unique.slice(i, i + LEASE_CHUNK))
	return chunks
}

/**
 * Destination ownership leases on SQLite, the same SQL as several instances run on
 * PostgreSQL (repo-pg.ts). A SQLite server owns its destinations in memory instead
 * (SOLE_INSTANCE: one server per data dir, src/db/serve-lock.ts); these serve the
 * conformance tests that hold both engines to one contract.
 */
export function ownerStatements(db: Database, leases: MemoryLeases) {
	const releaseOne = prepare(db, RELEASE_DESTINATION_LEASE)
	const releaseAll = prepare(db, RELEASE_DESTINATION_LEASES)
	const orphaned = prepare<{ id: string }, [number]>(db, RELEASE_ORPHANED)
	const owners = prepare<DestinationLease, []>(db, DESTINATION_OWNERS)
	const take = db.transaction((ids: string[], owner: string, leaseUntil: number, expiredBefore: number): string[] => {
		const won: string[] = []
		for (const chunk of leaseChunks(ids)) {
			const params = [expiredBefore, ...chunk.flatMap((id) => [id, owner, leaseUntil])]
			for (const r of prepare<{ destination_id: string }>(db, takeDestinationLeases(chunk.length)).all(...params)) won.push(r.destination_id)
		}
		return won
	})
	return {
		/**
		 * Takes (or renews) ownership of these destinations until `leaseUntil` where the
		 * current lease ran out by `expiredBefore` or is `owner`'s already; returns the ids `owner` now holds.
		 */
		async takeDestinations(ids: string[], owner: string, leaseUntil: number, expiredBefore: number): Promise<string[]> {
			return ids.length === 0 ? [] : take.immediate(ids, owner, leaseUntil, expiredBefore)
		},
		async releaseDestination(destinationId: string, owner: string): Promise<void> {
			releaseOne.run(destinationId, owner)
		},
		/** Graceful stop: every destination `owner` holds is free for another instance at once. */
		async releaseDestinations(owner: string): Promise<void> {
			releaseAll.run(owner)
		},
		/** Deliveries leased by an instance that no longer owns their destination go back to the queue. */
		async releaseOrphaned(now: number): Promise<number> {
			const held = new Set(owners.all().filter((l) => l.lease_until > now).map((l) => `${l.destination_id} ${l.owner}`))
			const inStorage = orphaned.all(now).length
			if (inStorage > 0) leases.dropMarks()
			return inStorage + leases.releaseWhere((l) => !held.has(`${l.destinationId} ${l.owner}`)).length
		},
		async destinationOwners(): Promise<DestinationLease[]> {
			return owners.all()
		}
	}
}
