import { IDS_IN_SQLITE, idsParam } from '../db/id-list'
import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import type { DeliveryRow } from './repo'
import { BY_ID, DEAD_OF, DUE_OF, NEXT_DUE, ORPHANED, RELEASE_EXPIRED, RELEASE_OWNED, REQUEUE, WITH_WORK } from './repo-sql'

/** The outbox as a queue: what is due, claiming with a lease, and taking leases back. */
export function queueStatements(db: Database) {
	const nextDue = prepare<{ due: number | null }, [string]>(db, NEXT_DUE)
	const withWork = prepare<{ destination_id: string }, []>(db, WITH_WORK)
	const claim = prepare<DeliveryRow, [number, string, number, string, number, number]>(
		db,
		// By rowid: the queue index carries it, so each claimed row is found without a probe of the id index.
		`UPDATE deliveries SET state = 'leased', lease_owner = $2, lease_expires_at = $3, updated_at = $1
		 WHERE rowid IN (${DUE_OF('rowid')})
		 RETURNING *`
	)
	const release = prepare<{ id: string }, [number]>(db, RELEASE_EXPIRED)
	const releaseOwned = prepare(db, RELEASE_OWNED)
	const releaseIds = prepare(
		db,
		`UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id ${IDS_IN_SQLITE} AND state = 'leased' AND lease_owner = $2`
	)
	const byId = prepare<DeliveryRow, [string]>(db, BY_ID)
	return {
		/** Destinations that have queued work (due or not). */
		async destinationsWithWork(): Promise<string[]> {
			return withWork.all().map((r) => r.destination_id)
		},
		async nextDueAt(destinationId: string): Promise<number | null> {
			return nextDue.get(destinationId)?.due ?? null
		},
		/** Leases up to `limit` due deliveries of one destination, oldest first. */
		async claim(destinationId: string, now: number, limit: number, owner: string, leaseUntil: number): Promise<DeliveryRow[]> {
			const rows = claim.all(now, owner, leaseUntil, destinationId, now, limit)
			return rows.sort((x, y) => x.due_at - y.due_at || (x.id < y.id ? -1 : 1))
		},
		/** Sweeper: leases whose holder vanished go back to the queue. */
		async releaseExpired(now: number): Promise<number> {
			return release.all(now).length
		},
		async releaseOwned(owner: string): Promise<void> {
			releaseOwned.run(owner)
		},
		/** Hands back leases `owner` took but will not use (claimed ahead, then the destination stopped sending). */
		async releaseLeases(ids: string[], owner: string): Promise<void> {
			if (ids.length > 0) releaseIds.run(idsParam(ids), owner)
		},
		async findById(id: string): Promise<DeliveryRow | null> {
			return byId.get(id)
		}
	}
}

/** Finished deliveries going back in the queue (manual retries), and deliveries closed for good. */
export function requeueStatements(db: Database) {
	const requeue = prepare<{ id: string }, [string, number, string]>(db, REQUEUE)
	const orphaned = prepare<{ event_id: string }, [string, number]>(db, ORPHANED)
	const deadOf = prepare<{ id: string }, [string, string | null]>(db, DEAD_OF)
	return {
		/** Puts finished deliveries (dead, or delivered for a redelivery) back in the queue; returns the ids requeued. */
		async requeue(ids: string[], now: number, trigger: string): Promise<string[]> {
			return db.transaction(() => {
				const done: string[] = []
				for (const id of ids) {
					const row = requeue.get(id, now, trigger)
					if (row) done.push(row.id)
				}
				return done
			}).immediate()
		},
		/** A deleted destination's pending deliveries can never be made: close them (their events settle); how many events they were for. */
		async abandonDestination(destinationId: string, now: number): Promise<number> {
			return new Set(orphaned.all(destinationId, now).map((r) => r.event_id)).size
		},
		/** Dead deliveries of a destination whose last attempt failed with `errorType` (all when null). */
		async deadOfDestination(destinationId: string, errorType: string | null): Promise<string[]> {
			return deadOf.all(destinationId, errorType).map((r) => r.id)
		}
	}
}
