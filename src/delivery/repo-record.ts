import type { Database } from 'bun:sqlite'
import { prepare } from '../db/sql'
import type { Circuit } from './breaker'
import type { AttemptOutcome, AttemptRow } from './repo'

const ATTEMPT_COLUMNS = [
	'id', 'org_id', 'env_id', 'delivery_id', 'event_id', 'connection_id', 'destination_id', 'request_url', 'request_method',
	'request_headers', 'request_body_size', 'response_status', 'response_headers', 'response_body', 'duration_ms', 'status',
	'error', 'error_type', 'created_at', 'attempt_number', 'next_retry_at', 'is_dlq', 'dlq_at', 'trigger_type'
] as const satisfies readonly (keyof AttemptRow)[]

/** How many recent attempt ids an issue keeps. */
const RECENT_ATTEMPTS = 10

/** An event's status follows its deliveries: pending while any is open, then delivered, failed or partial. */
export function eventStatusStatement(db: Database) {
	return prepare(
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
}

/** Issues opened or grown by failed attempts: one per destination and error type while unresolved. */
function issueStatements(db: Database) {
	const active = prepare<{ id: string; recent_attempt_ids: string }, [string, string]>(
		db,
		"SELECT id, recent_attempt_ids FROM issues WHERE destination_id = $1 AND error_type = $2 AND status <> 'resolved'"
	)
	const bump = prepare(
		db,
		'UPDATE issues SET occurrence_count = occurrence_count + 1, last_seen_at = $2, message = $3, recent_attempt_ids = $4, updated_at = $2 WHERE id = $1'
	)
	const open = prepare(
		db,
		`INSERT INTO issues (id, org_id, env_id, destination_id, error_type, message, status, occurrence_count, first_seen_at, last_seen_at, recent_attempt_ids, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, 'open', 1, $7, $7, $8, $7, $7)`
	)
	return (a: AttemptRow, issue: AttemptOutcome['issues'][number]): void => {
		const existing = active.get(a.destination_id, issue.errorType)
		if (existing) {
			const recent = [a.id, ...(JSON.parse(existing.recent_attempt_ids) as string[])].slice(0, RECENT_ATTEMPTS)
			bump.run(existing.id, a.created_at, issue.message, JSON.stringify(recent))
		} else {
			open.run(issue.id, a.org_id, a.env_id, a.destination_id, issue.errorType, issue.message, a.created_at, JSON.stringify([a.id]))
		}
	}
}

/**
 * Recording finished attempts: the attempt row, the delivery's next state, the
 * event's status, the destination's counters and breaker, and issues, all in one
 * transaction. `writeCircuit` is the breaker columns' one writer (repo-circuits.ts).
 */
export function recordStatements(db: Database, writeCircuit: (destinationId: string, c: Circuit) => boolean) {
	const insertAttempt = prepare(db, `INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES (${ATTEMPT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`)
	// Only the lease holder may finish a delivery: a lease taken back (sweeper) or a delivery
	// closed meanwhile (its destination deleted) must not be overwritten.
	const finish = prepare(
		db,
		`UPDATE deliveries SET state = $2, attempts = attempts + 1, due_at = $3, lease_owner = NULL, lease_expires_at = NULL, updated_at = $4
		 WHERE id = $1 AND state = 'leased' AND lease_owner = $5`
	)
	const eventStatus = eventStatusStatement(db)
	// Workers may finish out of order: last_delivery_at only moves forward.
	const delivered = prepare(
		db,
		`UPDATE destinations SET event_count = event_count + $3,
		 last_delivery_at = CASE WHEN last_delivery_at IS NULL OR last_delivery_at < $2 THEN $2 ELSE last_delivery_at END WHERE id = $1`
	)
	const upsertIssue = issueStatements(db)
	/** One outcome's rows; false (nothing written) when its lease was lost. */
	const complete = (o: AttemptOutcome, counts: Map<string, { n: number; at: number }>): boolean => {
		const a = o.attempt
		if (finish.run(a.delivery_id, o.next.state, o.next.dueAt, a.created_at, o.owner).changes === 0) return false
		insertAttempt.run(...ATTEMPT_COLUMNS.map((c) => a[c]))
		eventStatus.run(a.event_id)
		if (o.next.state === 'delivered') {
			const c = counts.get(a.destination_id)
			if (c) (c.n++, (c.at = Math.max(c.at, a.created_at)))
			else counts.set(a.destination_id, { n: 1, at: a.created_at })
		}
		if (o.circuit) writeCircuit(a.destination_id, o.circuit)
		for (const issue of o.issues) upsertIssue(a, issue)
		return true
	}
	// A destination's counters change once per batch, not once per delivery.
	const completeAll = db.transaction((outcomes: AttemptOutcome[]) => {
		const counts = new Map<string, { n: number; at: number }>()
		const done = outcomes.filter((o) => complete(o, counts)).length
		for (const [id, c] of counts) delivered.run(id, c.at, c.n)
		return done
	})
	return {
		/**
		 * Records finished attempts and their consequences, many in one transaction
		 * (the worker group-commits them). An outcome whose lease was lost writes nothing.
		 */
		async completeBatch(outcomes: AttemptOutcome[]): Promise<number> {
			return completeAll.immediate(outcomes)
		},
		/** One more delivered event: `event_count + 1`, `last_delivery_at` = `at` (epoch ms) unless already later. */
		async bumpDelivered(destinationId: string, at: number): Promise<void> {
			delivered.run(destinationId, at, 1)
		}
	}
}
