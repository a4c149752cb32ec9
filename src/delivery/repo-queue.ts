import { IDS_IN_SQLITE, idsInSqlite, idsParam } from '../db/id-list'
import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import type { DeliveryRow } from './repo'
import type { MemoryLeases } from './memory-leases'
import { BY_ID, byDueThenId, DEAD_OF, DELIVERY_COLUMNS, DUE_OF, NEXT_DUE, ORPHANED, PAST_MARK, RELEASE_EXPIRED, RELEASE_OWNED, REQUEUE, WITH_WORK } from './repo-sql'

/**
 * The outbox as a queue: what is due, claiming with a lease, and taking leases back. Leases are
 * held in `leases` (memory-leases.ts); rows leased in storage (by a server before leases moved to
 * memory) are still skipped by the claim and taken back by the sweeper and at start.
 */
export function queueStatements(db: Database, leases: MemoryLeases) {
	const nextDue = prepare<{ due: number | null }, [string, number]>(db, NEXT_DUE)
	const withWork = prepare<{ destination_id: string }, []>(db, WITH_WORK)
	// By rowid: the queue index carries it, so each row is found without a probe of the id index.
	// Without a claim mark, the rows leased here ($4, their ids) are the destination's oldest due:
	// the walk of the index passes over them, testing the id it carries. Each row comes with its
	// event's inline body, joined by the seq the delivery carries (migration 23) and the id, so the
	// worker's read ahead needs no second statement (payloads-ahead.ts).
	const dueRows = (also: string) =>
		`SELECT ${DELIVERY_COLUMNS.map((c) => `d.${c}`).join(', ')}, d.event_seq, e.content_type AS event_content_type, e.payload_inline AS event_payload
		FROM deliveries d LEFT JOIN events e ON e.seq = d.event_seq AND e.id = d.event_id
		WHERE d.rowid IN (${DUE_OF('rowid', 1, also)})`
	const due = prepare<DueRow, [string, number, number, string]>(db, dueRows(` AND id NOT ${idsInSqlite('$4')}`))
	// Past the destination's claim mark (memory-leases.ts): every row leased for it sorts at or below
	// ($4, $5), so the walk starts past them, a range of the queue index, with no list of ids to test.
	// In process (a /tmp script, 128-row claims at 256 leased): 4.2–4.5 → 3.2–3.4 µs a claimed row.
	const duePast = prepare<DueRow, [string, number, number, number, string]>(db, dueRows(PAST_MARK))
	const release = prepare<{ id: string }, [number]>(db, RELEASE_EXPIRED)
	const releaseOwned = prepare(db, RELEASE_OWNED)
	const releaseIds = prepare(
		db,
		`UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id ${IDS_IN_SQLITE} AND state = 'leased' AND lease_owner = $2`
	)
	const byId = prepare<DeliveryRow, [string]>(db, BY_ID)
	/** The row as the lease holder sees it: leased while its lease lasts. */
	const withLease = (row: DeliveryRow): DeliveryRow => {
		const lease = row.state === 'queued' ? leases.holder(row.id) : undefined
		return lease ? { ...row, state: 'leased', lease_owner: lease.owner, lease_expires_at: lease.until } : row
	}
	return {
		/** Destinations that have queued work (due or not; or rows leased here: a pass then finds nothing more to claim). */
		async destinationsWithWork(): Promise<string[]> {
			return withWork.all().map((r) => r.destination_id)
		},
		/** The earliest due time after `now` of the destination's queued rows (NEXT_DUE says why not before). */
		async nextDueAfter(destinationId: string, now: number): Promise<number | null> {
			return nextDue.get(destinationId, now)?.due ?? null
		},
		/** Leases up to `limit` due deliveries of one destination, oldest first. */
		async claim(destinationId: string, now: number, limit: number, owner: string, leaseUntil: number): Promise<DeliveryRow[]> {
			if (limit < 1) return [] // SQLite reads a negative LIMIT as none
			const mark = leases.markOf(destinationId, now)
			const past = mark ? duePast.all(destinationId, now, limit, mark.dueAt, mark.id) : null
			// Only a full claim past the mark stands. A short one may have passed over a row stored below
			// the mark, and the worker, told the queue is empty, would not ask again; and a leased row
			// past the mark would mean its key moved while leased, which nothing does. Either way the
			// whole queue is walked instead, oldest first, as without a mark.
			const fromMark = past !== null && past.length === limit && !past.some((r) => leases.holder(r.id))
			const found = fromMark ? past : due.all(destinationId, now, limit, idsParam([...leases.idsOf(destinationId)]))
			const rows = found.map((r) => leased(r, owner, leaseUntil, now))
			for (const row of rows) leases.take(row.id, { destinationId, owner, until: leaseUntil, dueAt: row.due_at })
			rows.sort(byDueThenId)
			const last = rows.at(-1)
			leases.claimed(destinationId, rows.length, last ? { dueAt: last.due_at, id: last.id } : null, limit, fromMark, now)
			return rows
		},
		/** Sweeper: leases whose holder vanished go back to the queue. */
		async releaseExpired(now: number): Promise<number> {
			const inStorage = release.all(now).length
			if (inStorage > 0) leases.dropMarks()
			return inStorage + leases.releaseWhere((l) => l.until < now).length
		},
		async releaseOwned(owner: string): Promise<void> {
			if (releaseOwned.run(owner).changes > 0) leases.dropMarks()
			leases.releaseWhere((l) => l.owner === owner)
		},
		/** Hands back leases `owner` took but will not use (claimed ahead, then the destination stopped sending). */
		async releaseLeases(ids: string[], owner: string): Promise<void> {
			if (ids.length === 0) return
			if (releaseIds.run(idsParam(ids), owner).changes > 0) leases.dropMarks()
			for (const id of ids) if (leases.holder(id)?.owner === owner) leases.release(id)
		},
		async findById(id: string): Promise<DeliveryRow | null> {
			const row = byId.get(id)
			return row && withLease(row)
		}
	}
}

/** A due row as the claim reads it: the delivery, its event's seq, and the event's type and inline body when found. */
interface DueRow extends Omit<DeliveryRow, 'ahead'> {
	event_seq: number | null
	event_content_type: string | null
	event_payload: Uint8Array | null
}

/**
 * The claimed row as its lease holder sees it, with what the claim read of its event (DeliveryRow
 * `ahead`). Built field by field, not spread from `r`: the join's columns (the payload among them)
 * must not stay on a row held ahead, and the type checks that every column is here.
 */
const leased = (r: DueRow, owner: string, until: number, now: number): DeliveryRow => ({
	id: r.id, org_id: r.org_id, env_id: r.env_id, event_id: r.event_id, connection_id: r.connection_id, destination_id: r.destination_id,
	state: 'leased', attempts: r.attempts, due_at: r.due_at, lease_owner: owner, lease_expires_at: until, trigger_type: r.trigger_type,
	created_at: r.created_at, updated_at: now,
	ahead: r.event_seq === null ? undefined : r.event_payload === null ? null : { id: r.event_id, content_type: r.event_content_type, payload_inline: r.event_payload }
})

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
