import type { Database } from 'bun:sqlite'
import { ATTEMPT_SEQS } from '../attempts/seq-sql'
import { seqPlacement, SeqTaken } from '../db/seq-placement'
import { prepare, valuesList } from '../db/sql'
import type { Circuit } from './breaker'
import type { MemoryLeases } from './memory-leases'
import type { AttemptOutcome, AttemptRow } from './repo'
import { ATTEMPT_COLUMNS, attemptValues, DELIVERED, FINISH, ISSUE_ACTIVE, ISSUE_BUMP, ISSUE_OPEN } from './repo-sql'

/** SQLite's attempt row: its seq (migration 24), then ATTEMPT_COLUMNS; a seq taken meanwhile inserts nothing (SeqTaken). */
const INSERT_ATTEMPT = `INSERT INTO delivery_attempts (seq, ${ATTEMPT_COLUMNS.join(', ')}) VALUES ${valuesList(1, ATTEMPT_COLUMNS.length + 1)} ON CONFLICT (seq) DO NOTHING`

/** How many recent attempt ids an issue keeps. */
export const RECENT_ATTEMPTS = 10

/** Issues opened or grown by failed attempts: one per destination and error type while unresolved. */
function issueStatements(db: Database) {
	const active = prepare<{ id: string; recent_attempt_ids: string }, [string, string]>(db, ISSUE_ACTIVE)
	const bump = prepare(db, ISSUE_BUMP)
	const open = prepare(db, ISSUE_OPEN)
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
 * Recording finished attempts: the attempt row, the delivery's next state (which the
 * event's status is read from), the destination's counters and breaker, and issues, all
 * in one transaction. `writeCircuit` is the breaker columns' one writer (repo-circuits.ts).
 * Only the holder of a delivery's lease (memory-leases.ts) finishes it: a lease taken back
 * (the sweeper, a new owner of the destination) loses its outcome.
 */
export function recordStatements(db: Database, leases: MemoryLeases, writeCircuit: (destinationId: string, c: Circuit) => boolean) {
	const insertAttempt = prepare(db, INSERT_ATTEMPT)
	const placement = seqPlacement(db, ATTEMPT_SEQS)
	/** The attempt's seq; an attempt without an id (every one the worker records) gets one minted at its time. */
	const placed = (a: AttemptRow): bigint => {
		if (a.id !== '') return placement.own(a.id)
		const { id, seq } = placement.mint(a.created_at)
		a.id = id
		return seq
	}
	const finish = prepare(db, FINISH)
	const delivered = prepare(db, DELIVERED)
	const upsertIssue = issueStatements(db)
	/**
	 * One outcome's rows; false (nothing written) when its lease was lost. A finished lease is
	 * used up in `finished` and released once the batch commits (after a rollback it holds).
	 */
	const complete = (o: AttemptOutcome, counts: Map<string, { n: number; at: number }>, finished: Map<string, number | null>): boolean => {
		const a = o.attempt
		if (leases.holder(a.delivery_id)?.owner !== o.owner || finished.has(a.delivery_id)) return false
		finished.set(a.delivery_id, o.next.state === 'queued' ? o.next.dueAt : null)
		if (finish.run(a.delivery_id, o.next.state, o.next.dueAt, a.created_at).changes === 0) return false
		if (insertAttempt.run(placed(a), ...attemptValues(a)).changes === 0) throw new SeqTaken()
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
	const completeAll = db.transaction((outcomes: AttemptOutcome[], finished: Map<string, number | null>) => {
		const counts = new Map<string, { n: number; at: number }>()
		const done = outcomes.filter((o) => complete(o, counts, finished)).length
		for (const [id, c] of counts) delivered.run(id, c.at, c.n)
		return done
	})
	return {
		/**
		 * Records finished attempts and their consequences, many in one transaction
		 * (the worker group-commits them). An outcome whose lease was lost writes nothing.
		 */
		async completeBatch(outcomes: AttemptOutcome[]): Promise<number> {
			// Each delivery's retry time when it went back to the queue.
			let finished = new Map<string, number | null>()
			const done = placement.retried(outcomes.map((o) => o.attempt), () => completeAll.immediate(outcomes, finished), () => {
				finished = new Map()
			})
			for (const [id, requeuedAt] of finished) leases.finished(id, requeuedAt)
			return done
		},
		/** One more delivered event: `event_count + 1`, `last_delivery_at` = `at` (epoch ms) unless already later. */
		async bumpDelivered(destinationId: string, at: number): Promise<void> {
			delivered.run(destinationId, at, 1)
		}
	}
}
