import type { PgQuery } from '../db/pg/client'
import type { Circuit } from './breaker'
import type { AttemptOutcome, AttemptRow } from './repo'
import { RECENT_ATTEMPTS } from './repo-record'
import { ATTEMPT_COLUMNS, attemptValues, CIRCUIT_WRITE, DELIVERED, INSERT_ATTEMPTS_HEAD, ISSUE_ACTIVE, ISSUE_BUMP, ISSUE_OPEN } from './repo-sql'
import { IDS_IN_PG } from '../db/id-list'
import { valuesList } from '../db/sql'
import { newId } from '../lib/ids'

/** Attempts per INSERT: 24 columns × 500 rows stays far below PostgreSQL's 65,535 parameters. */
const ATTEMPT_ROWS = 500

// Only the lease holder may finish a delivery (as FINISH on SQLite), for a whole batch at once.
const FINISH_MANY = `UPDATE deliveries d SET state = v.state, attempts = d.attempts + 1, due_at = v.due_at, lease_owner = NULL, lease_expires_at = NULL, updated_at = v.at
	FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[]) AS v(id, state, due_at, at, owner)
	WHERE d.id = v.id AND d.state = 'leased' AND d.lease_owner = v.owner
	RETURNING d.id, v.owner`

/**
 * The batch's events, key-share locked before anything else is written: retention locks the
 * events it purges FOR UPDATE SKIP LOCKED, so it either skips these (and no attempt row is
 * left behind for an event it deletes) or has them first, and then the finish below finds
 * their deliveries gone and records nothing. Shared, so instances finishing deliveries of
 * one event do not wait on each other; taken in id order, before the delivery rows, as
 * retention and a test session's delete lock events before their deliveries. (An environment's
 * purge deletes deliveries first; a deadlock with it is retried: src/tenancy/repo-pg.ts.)
 */
const LOCK_EVENTS = `SELECT id FROM events WHERE id ${IDS_IN_PG} ORDER BY id FOR KEY SHARE`

async function upsertIssue(q: PgQuery, a: AttemptRow, issue: AttemptOutcome['issues'][number]): Promise<void> {
	const existing = await q.get<{ id: string; recent_attempt_ids: string }>(ISSUE_ACTIVE, [a.destination_id, issue.errorType])
	if (existing) {
		const recent = [a.id, ...(JSON.parse(existing.recent_attempt_ids) as string[])].slice(0, RECENT_ATTEMPTS)
		await q.run(ISSUE_BUMP, [existing.id, a.created_at, issue.message, JSON.stringify(recent)])
	} else {
		await q.run(ISSUE_OPEN, [issue.id, a.org_id, a.env_id, a.destination_id, issue.errorType, issue.message, a.created_at, JSON.stringify([a.id])])
	}
}

export function writeCircuitPg(q: PgQuery, destinationId: string, c: Circuit): Promise<number> {
	return q.run(CIRCUIT_WRITE, [destinationId, c.state, c.failure_count, c.opened_at, c.next_probe_at, c.last_transition_at])
}

/**
 * What SQLite's completeBatch writes, in a few set-based statements instead of a loop:
 * the deliveries still leased by their worker finish, their attempts are inserted in
 * multi-row VALUES, and each destination's counters and latest breaker state are written
 * once. Returns how many outcomes were recorded.
 */
export async function completeBatchPg(q: PgQuery, outcomes: AttemptOutcome[]): Promise<number> {
	if (outcomes.length === 0) return 0
	// As on SQLite, where outcomes finish one after another: a second outcome of the same lease finds it gone.
	const key = (o: AttemptOutcome) => `${o.attempt.delivery_id} ${o.owner}`
	const seen = new Set<string>()
	outcomes = outcomes.filter((o) => !seen.has(key(o)) && seen.add(key(o)))
	await q.run(LOCK_EVENTS, [[...new Set(outcomes.map((o) => o.attempt.event_id))].sort()])
	const finished = await q.all<{ id: string; owner: string }>(FINISH_MANY, [
		outcomes.map((o) => o.attempt.delivery_id),
		outcomes.map((o) => o.next.state),
		outcomes.map((o) => o.next.dueAt),
		outcomes.map((o) => o.attempt.created_at),
		outcomes.map((o) => o.owner)
	])
	const kept = new Set(finished.map((r) => `${r.id} ${r.owner}`))
	const done = outcomes.filter((o) => kept.has(key(o)))
	// Only recorded attempts get an id, as on SQLite; minted once, so a batch run again after a failed transaction keeps its ids.
	for (const o of done) if (o.attempt.id === '') o.attempt.id = newId('da', o.attempt.created_at)
	for (let i = 0; i < done.length; i += ATTEMPT_ROWS) {
		const chunk = done.slice(i, i + ATTEMPT_ROWS)
		await q.run(INSERT_ATTEMPTS_HEAD + valuesList(chunk.length, ATTEMPT_COLUMNS.length), chunk.flatMap((o) => attemptValues(o.attempt)))
	}
	const counts = new Map<string, { n: number; at: number }>()
	const circuits = new Map<string, Circuit>()
	for (const o of done) {
		const a = o.attempt
		if (o.next.state === 'delivered') {
			const c = counts.get(a.destination_id)
			if (c) (c.n++, (c.at = Math.max(c.at, a.created_at)))
			else counts.set(a.destination_id, { n: 1, at: a.created_at })
		}
		// In order, so the last transition of the batch is what stays.
		if (o.circuit) circuits.set(a.destination_id, o.circuit)
	}
	for (const id of [...new Set([...counts.keys(), ...circuits.keys()])].sort()) {
		const c = counts.get(id)
		if (c) await q.run(DELIVERED, [id, c.at, c.n])
		const circuit = circuits.get(id)
		if (circuit) await writeCircuitPg(q, id, circuit)
	}
	for (const o of done) for (const issue of o.issues) await upsertIssue(q, o.attempt, issue)
	return done.length
}
