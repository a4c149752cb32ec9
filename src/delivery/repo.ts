import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import type { Circuit } from './breaker'

/** An outbox row: one event for one connection. */
export interface DeliveryRow {
	id: string
	org_id: string
	env_id: string
	event_id: string
	connection_id: string
	destination_id: string
	state: 'queued' | 'leased' | 'delivered' | 'dead'
	attempts: number
	due_at: number
	lease_owner: string | null
	lease_expires_at: number | null
	trigger_type: string
	created_at: number
	updated_at: number
}

export interface AttemptRow {
	id: string
	org_id: string
	env_id: string
	delivery_id: string
	event_id: string
	connection_id: string
	destination_id: string
	request_url: string
	request_method: string
	request_headers: string | null
	request_body_size: number
	response_status: number | null
	response_headers: string | null
	response_body: string | null
	duration_ms: number | null
	status: 'success' | 'failed'
	error: string | null
	error_type: string | null
	created_at: number
	attempt_number: number
	next_retry_at: number | null
	is_dlq: number
	dlq_at: number | null
	trigger_type: string
}

/** Everything one finished attempt changes, written in one transaction. */
export interface AttemptOutcome {
	/** The worker that holds the delivery's lease. */
	owner: string
	attempt: AttemptRow
	/** `queued` with a new due time (retry), `delivered`, or `dead` (DLQ). */
	next: { state: 'queued' | 'delivered' | 'dead'; dueAt: number }
	circuit: Circuit | null
	/** Issues to open, or to bump when one is already active for the destination and error type. */
	issues: { id: string; errorType: string; message: string }[]
}

const ATTEMPT_COLUMNS = [
	'id', 'org_id', 'env_id', 'delivery_id', 'event_id', 'connection_id', 'destination_id', 'request_url', 'request_method',
	'request_headers', 'request_body_size', 'response_status', 'response_headers', 'response_body', 'duration_ms', 'status',
	'error', 'error_type', 'created_at', 'attempt_number', 'next_retry_at', 'is_dlq', 'dlq_at', 'trigger_type'
] as const satisfies readonly (keyof AttemptRow)[]

/** How many recent attempt ids an issue keeps. */
const RECENT_ATTEMPTS = 10

export type DeliveryRepo = ReturnType<typeof createDeliveryRepo>

export function createDeliveryRepo(db: Database) {
	const nextDue = prepare<{ due: number | null }, [string]>(db, "SELECT MIN(due_at) AS due FROM deliveries WHERE destination_id = $1 AND state = 'queued'")
	const withWork = prepare<{ destination_id: string }, []>(db, "SELECT id AS destination_id FROM destinations WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.destination_id = destinations.id AND d.state = 'queued')")
	const claim = prepare<DeliveryRow, [number, string, number, string, number, number]>(
		db,
		`UPDATE deliveries SET state = 'leased', lease_owner = $2, lease_expires_at = $3, updated_at = $1
		 WHERE id IN (SELECT id FROM deliveries WHERE destination_id = $4 AND state = 'queued' AND due_at <= $5 ORDER BY due_at, id LIMIT $6)
		 RETURNING *`
	)
	const release = prepare<{ id: string }, [number]>(db, "UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE state = 'leased' AND lease_expires_at < $1 RETURNING id")
	const releaseOwned = prepare(db, "UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE state = 'leased' AND lease_owner = $1")
	const insertAttempt = prepare(db, `INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES (${ATTEMPT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`)
	// Only the lease holder may finish a delivery: a lease taken back (sweeper) or a delivery
	// closed meanwhile (its destination deleted) must not be overwritten.
	const finish = prepare(
		db,
		`UPDATE deliveries SET state = $2, attempts = attempts + 1, due_at = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $4
		 WHERE id = $1 AND state = 'leased' AND lease_owner = $5`
	)
	const eventStatus = prepare(
		db,
		`UPDATE events SET status = (
			SELECT CASE
				WHEN SUM(CASE WHEN state IN ('queued', 'leased') THEN 1 ELSE 0 END) > 0 THEN 'pending'
				WHEN SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END) = 0 THEN 'delivered'
				WHEN SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END) = 0 THEN 'failed'
				ELSE 'partial' END
			FROM deliveries WHERE event_id = $1)
		 WHERE id = $1 AND EXISTS (SELECT 1 FROM deliveries WHERE event_id = $1)`
	)
	const setCircuit = prepare(
		db,
		`UPDATE destinations SET circuit_state = $2, circuit_failure_count = $3, circuit_opened_at = $4,
		 circuit_next_probe_at = $5, circuit_last_transition_at = $6 WHERE id = $1`
	)
	const delivered = prepare(
		db,
		`UPDATE destinations SET event_count = event_count + 1,
		 last_delivery_at = CASE WHEN last_delivery_at IS NULL OR last_delivery_at < $2 THEN $2 ELSE last_delivery_at END WHERE id = $1`
	)
	const activeIssue = prepare<{ id: string; recent_attempt_ids: string }, [string, string]>(
		db,
		"SELECT id, recent_attempt_ids FROM issues WHERE destination_id = $1 AND error_type = $2 AND status <> 'resolved'"
	)
	const bumpIssue = prepare(
		db,
		'UPDATE issues SET occurrence_count = occurrence_count + 1, last_seen_at = $2, message = $3, recent_attempt_ids = $4, updated_at = $2 WHERE id = $1'
	)
	const openIssue = prepare(
		db,
		`INSERT INTO issues (id, org_id, env_id, destination_id, error_type, message, status, occurrence_count, first_seen_at, last_seen_at, recent_attempt_ids, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, 'open', 1, $7, $7, $8, $7, $7)`
	)
	const requeue = prepare<{ id: string }, [string, number, string]>(
		db,
		`UPDATE deliveries SET state = 'queued', attempts = 0, due_at = $2, trigger_type = $3, updated_at = $2
		 WHERE id = $1 AND state IN ('dead', 'delivered') AND EXISTS (SELECT 1 FROM destinations WHERE destinations.id = deliveries.destination_id)
		 RETURNING id`
	)
	const byId = prepare<DeliveryRow, [string]>(db, 'SELECT * FROM deliveries WHERE id = $1')
	const orphaned = prepare<{ event_id: string }, [string, number]>(
		db,
		"UPDATE deliveries SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL, updated_at = $2 WHERE destination_id = $1 AND state IN ('queued', 'leased') RETURNING event_id"
	)
	const deadOf = prepare<{ id: string }, [string, string | null]>(
		db,
		`SELECT d.id FROM deliveries d WHERE d.destination_id = $1 AND d.state = 'dead' AND ($2 IS NULL OR EXISTS (
			SELECT 1 FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.is_dlq = 1 AND a.error_type = $2)) ORDER BY d.id`
	)

	function upsertIssue(a: AttemptRow, issue: AttemptOutcome['issues'][number]): void {
		const existing = activeIssue.get(a.destination_id, issue.errorType)
		if (existing) {
			const recent = [a.id, ...(JSON.parse(existing.recent_attempt_ids) as string[])].slice(0, RECENT_ATTEMPTS)
			bumpIssue.run(existing.id, a.created_at, issue.message, JSON.stringify(recent))
		} else {
			openIssue.run(issue.id, a.org_id, a.env_id, a.destination_id, issue.errorType, issue.message, a.created_at, JSON.stringify([a.id]))
		}
	}

	const complete = db.transaction((o: AttemptOutcome): boolean => {
		const a = o.attempt
		if (finish.run(a.delivery_id, o.next.state, o.next.dueAt, a.created_at, o.owner).changes === 0) return false
		insertAttempt.run(...ATTEMPT_COLUMNS.map((c) => a[c]))
		eventStatus.run(a.event_id)
		if (o.next.state === 'delivered') delivered.run(a.destination_id, a.created_at)
		if (o.circuit) {
			const c = o.circuit
			setCircuit.run(a.destination_id, c.state, c.failure_count, c.opened_at, c.next_probe_at, c.last_transition_at)
		}
		for (const issue of o.issues) upsertIssue(a, issue)
		return true
	})
	const completeAll = db.transaction((outcomes: AttemptOutcome[]) => outcomes.filter((o) => complete(o)).length)

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
		/**
		 * Records finished attempts and their consequences, many in one transaction
		 * (the worker group-commits them). An outcome whose lease was lost writes nothing.
		 */
		async completeBatch(outcomes: AttemptOutcome[]): Promise<number> {
			return completeAll.immediate(outcomes)
		},
		/** Puts finished deliveries (dead, or delivered for a redelivery) back in the queue; returns the ids requeued. */
		async requeue(ids: string[], now: number, trigger: string): Promise<string[]> {
			return db.transaction(() => {
				const done: string[] = []
				for (const id of ids) {
					const row = requeue.get(id, now, trigger)
					if (row) {
						done.push(row.id)
						const d = byId.get(row.id)
						if (d) eventStatus.run(d.event_id)
					}
				}
				return done
			}).immediate()
		},
		async findById(id: string): Promise<DeliveryRow | null> {
			return byId.get(id)
		},
		/** A deleted destination's pending deliveries can never be made: close them so their events settle. */
		async abandonDestination(destinationId: string, now: number): Promise<number> {
			return db.transaction(() => {
				const events = new Set(orphaned.all(destinationId, now).map((r) => r.event_id))
				for (const id of events) eventStatus.run(id)
				return events.size
			}).immediate()
		},
		/** Dead deliveries of a destination whose last attempt failed with `errorType` (all when null). */
		async deadOfDestination(destinationId: string, errorType: string | null): Promise<string[]> {
			return deadOf.all(destinationId, errorType).map((r) => r.id)
		}
	}
}
