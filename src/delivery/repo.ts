import type { Database } from 'bun:sqlite'
import type { EventToDeliver } from '../events/queries'
import type { Circuit } from './breaker'
import type { MemoryLeases } from './memory-leases'
import { circuitStatements } from './repo-circuits'
import { ownerStatements } from './repo-owners'
import { payloadStatements } from './repo-payloads'
import { queueStatements, requeueStatements } from './repo-queue'
import { recordStatements } from './repo-record'

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
	/**
	 * What SQLite's claim read of the delivery's event with the row (migration 23), for
	 * payloads-ahead.ts to hold: null when the event has no inline body or is gone; absent when the
	 * claim did not read it (PostgreSQL, a delivery without its event's seq). Not a column.
	 */
	ahead?: EventToDeliver | null
}

export interface AttemptRow {
	/**
	 * '' until recorded: the repo mints it as it writes the row (on SQLite the id spells the row's seq:
	 * db/seq-keys.ts). An outcome the repo did not write (its lease lost) keeps ''.
	 */
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

export type DeliveryRepo = ReturnType<typeof createDeliveryRepo>

/**
 * The outbox and everything an attempt writes, in named pieces: the queue (repo-queue.ts,
 * its leases held in `leases`: memory-leases.ts), recording outcomes (repo-record.ts) and
 * the breaker columns (repo-circuits.ts), destination ownership leases (repo-owners.ts) and
 * payloads read ahead of their sends (repo-payloads.ts).
 */
export function createDeliveryRepo(db: Database, leases: MemoryLeases) {
	const circuits = circuitStatements(db)
	return {
		...queueStatements(db, leases),
		...requeueStatements(db),
		...recordStatements(db, leases, circuits.write),
		...circuits.repo,
		...ownerStatements(db, leases),
		...payloadStatements(db)
	}
}
