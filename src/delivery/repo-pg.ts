import { retryRead, retryTransaction } from '../db/pg/read-retry'
import type { Pg } from '../db/pg/client'
import type { EventToDeliver } from '../events/queries'
import { ID_ORDER } from '../events/order-sql'
import { toDeliverMany } from '../events/repo-sql'
import { IDS_IN_PG } from '../db/id-list'
import type { Circuit } from './breaker'
import type { AttemptOutcome, DeliveryRepo, DeliveryRow } from './repo'
import { type DestinationLease, leaseChunks } from './repo-owners'
import { completeBatchPg, writeCircuitPg } from './repo-pg-record'
import {
	BY_ID, byDueThenId, CIRCUIT_READ, DEAD_OF, DELIVERED, DESTINATION_OWNERS, DUE_OF, NEXT_DUE, ORPHANED, RELEASE_DESTINATION_LEASE, RELEASE_DESTINATION_LEASES,
	RELEASE_EXPIRED, RELEASE_ORPHANED, RELEASE_OWNED, REQUEUE, takeDestinationLeases, WITH_WORK
} from './repo-sql'

/**
 * The claim: due rows of one destination, oldest first, locked with SKIP LOCKED so two
 * claimers never wait on (or take) the same row, leased in the same statement. No
 * transaction stays open: the lease, not a row lock, keeps the row through the send.
 */
const CLAIM = `WITH c AS (
		${DUE_OF('id', 4)} FOR UPDATE SKIP LOCKED)
	UPDATE deliveries d SET state = 'leased', lease_owner = $2, lease_expires_at = $3, updated_at = $1 FROM c WHERE d.id = c.id
	RETURNING d.*`

const RELEASE_IDS = `UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id ${IDS_IN_PG} AND state = 'leased' AND lease_owner = $2`

/**
 * A write that may run again after either kind of failure: a deadlock abort (rolled back) or
 * a lost connection (which may have committed). Only for writes whose repeat is harmless:
 * the claim (rows a committed first try leased come back when their lease runs out), the lease
 * upsert (idempotent), an outcome batch (its attempt ids are unique: a committed batch
 * cannot be written twice, the repeat fails instead) and the closing of a deleted destination's
 * queue (a repeat finds nothing left open).
 */
const retryWrite = <T>(write: () => Promise<T>): Promise<T> => retryRead(() => retryTransaction(write))

/** The delivery repo on PostgreSQL: the same interface and SQL as SQLite's but for the claim and batch shapes. */
export function createDeliveryRepoPg(pg: Pg): DeliveryRepo {
	return {
		async destinationsWithWork() {
			return (await retryRead(() => pg.all<{ destination_id: string }>(WITH_WORK))).map((r) => r.destination_id)
		},
		async nextDueAfter(destinationId: string, now: number) {
			return (await retryRead(() => pg.get<{ due: number | null }>(NEXT_DUE, [destinationId, now])))?.due ?? null
		},
		async claim(destinationId: string, now: number, limit: number, owner: string, leaseUntil: number) {
			if (limit < 1) return [] // as on SQLite: nothing asked, nothing claimed (PostgreSQL refuses a negative LIMIT)
			const rows = await retryWrite(() => pg.all<DeliveryRow>(CLAIM, [now, owner, leaseUntil, destinationId, now, limit]))
			return rows.sort(byDueThenId)
		},
		async releaseExpired(now: number) {
			return (await pg.all(RELEASE_EXPIRED, [now])).length
		},
		async releaseOwned(owner: string) {
			await pg.run(RELEASE_OWNED, [owner])
		},
		async releaseLeases(ids: string[], owner: string) {
			if (ids.length > 0) await pg.run(RELEASE_IDS, [ids, owner])
		},
		async findById(id: string) {
			return retryRead(() => pg.get<DeliveryRow>(BY_ID, [id]))
		},
		...requeueQueries(pg),
		async completeBatch(outcomes: AttemptOutcome[]) {
			return retryWrite(() => pg.tx((q) => completeBatchPg(q, outcomes)))
		},
		async bumpDelivered(destinationId: string, at: number) {
			await pg.run(DELIVERED, [destinationId, at, 1])
		},
		async getCircuit(destinationId: string) {
			return retryRead(() => pg.get<Circuit>(CIRCUIT_READ, [destinationId]))
		},
		async setCircuit(destinationId: string, c: Circuit) {
			return (await writeCircuitPg(pg, destinationId, c)) > 0
		},
		...ownerQueries(pg),
		...payloadQueries(pg)
	}
}

function requeueQueries(pg: Pg): Pick<DeliveryRepo, 'requeue' | 'abandonDestination' | 'deadOfDestination'> {
	return {
		async requeue(ids: string[], now: number, trigger: string) {
			if (ids.length === 0) return []
			return retryTransaction(() =>
				pg.tx(async (q) => {
					const done: string[] = []
					for (const id of ids) {
						const row = await q.get<{ id: string }>(REQUEUE, [id, now, trigger])
						if (row) done.push(row.id)
					}
					return done
				})
			)
		},
		async abandonDestination(destinationId: string, now: number) {
			return new Set((await retryWrite(() => pg.all<{ event_id: string }>(ORPHANED, [destinationId, now]))).map((r) => r.event_id)).size
		},
		async deadOfDestination(destinationId: string, errorType: string | null) {
			return (await retryRead(() => pg.all<{ id: string }>(DEAD_OF, [destinationId, errorType]))).map((r) => r.id)
		}
	}
}

const TO_DELIVER_MANY = toDeliverMany(ID_ORDER)

function payloadQueries(pg: Pg): Pick<DeliveryRepo, 'readToDeliver' | 'payloadEpoch'> {
	return {
		async readToDeliver(eventIds: string[]) {
			return eventIds.length === 0 ? [] : retryRead(() => pg.all<EventToDeliver>(TO_DELIVER_MANY, [eventIds]))
		},
		// Other instances delete events (retention, purges) unseen here: nothing is read ahead.
		payloadEpoch: () => null
	}
}

function ownerQueries(pg: Pg): Pick<DeliveryRepo, 'takeDestinations' | 'releaseDestination' | 'releaseDestinations' | 'releaseOrphaned' | 'destinationOwners'> {
	return {
		async takeDestinations(ids: string[], owner: string, leaseUntil: number, expiredBefore: number) {
			const won: string[] = []
			// Sorted: two instances upserting overlapping sets lock the rows in the same order.
			for (const chunk of leaseChunks([...ids].sort())) {
				const params = [expiredBefore, ...chunk.flatMap((id) => [id, owner, leaseUntil])]
				for (const r of await retryWrite(() => pg.all<{ destination_id: string }>(takeDestinationLeases(chunk.length), params))) won.push(r.destination_id)
			}
			return won
		},
		async releaseDestination(destinationId: string, owner: string) {
			await pg.run(RELEASE_DESTINATION_LEASE, [destinationId, owner])
		},
		async releaseDestinations(owner: string) {
			await pg.run(RELEASE_DESTINATION_LEASES, [owner])
		},
		async releaseOrphaned(now: number) {
			return (await pg.all(RELEASE_ORPHANED, [now])).length
		},
		async destinationOwners() {
			return pg.all<DestinationLease>(DESTINATION_OWNERS)
		}
	}
}
