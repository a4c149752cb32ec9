import type { AttemptRow, DeliveryRow } from './repo'

/**
 * The delivery repo's SQL text that is the same on SQLite and PostgreSQL
 * (`$n` placeholders; src/db/sql.ts rewrites them for SQLite). The claim, list
 * parameters and batch shapes differ per engine and stay in repo-queue.ts / repo-pg.ts.
 */

/**
 * The condition of the per-destination queue index, deliveries_destination (SQLite migration 20,
 * PostgreSQL 7): it holds queued and dead deliveries only. SQLite searches a partial index only
 * for a statement that repeats its condition, so every statement that finds deliveries by
 * destination and state says it as well (PostgreSQL infers it; the repeat costs it nothing).
 * `alias` is the statement's name for deliveries, when it has one.
 */
export const queueIndexed = (alias = ''): string => `${alias ? `${alias}.` : ''}state IN ('queued', 'dead')`

/**
 * ($1 destination, $2 now) When the destination's queue next needs a look: its first queued row due
 * after now. Rows due by now are claimed, or wait for a slot (a finishing attempt wakes the worker),
 * and a claim's leased rows were due when claimed: none of them sets a timer.
 */
export const NEXT_DUE = `SELECT MIN(due_at) AS due FROM deliveries WHERE destination_id = $1 AND state = 'queued' AND ${queueIndexed()} AND due_at > $2`

export const WITH_WORK = `SELECT id AS destination_id FROM destinations
	WHERE EXISTS (SELECT 1 FROM deliveries d WHERE d.destination_id = destinations.id AND d.state = 'queued' AND ${queueIndexed('d')})`

/**
 * The due deliveries of a destination, oldest first, up to a limit: `key` of each, the parameters
 * (destination, now, limit) numbered from `$from`, and `also` any further condition. PostgreSQL's
 * claim leases them in the same statement; SQLite's reads them, passing over the rows it holds
 * leased in memory (memory-leases.ts), and leases them there.
 */
export const DUE_OF = (key: string, from = 1, also = ''): string =>
	`SELECT ${key} FROM deliveries WHERE destination_id = $${from} AND state = 'queued' AND ${queueIndexed()} AND due_at <= $${from + 1}${also} ORDER BY due_at, id LIMIT $${from + 2}`

/** DUE_OF's order, for rows a claim returns unordered (its outer statement or its RETURNING). */
export const byDueThenId = (x: DeliveryRow, y: DeliveryRow): number => x.due_at - y.due_at || (x.id < y.id ? -1 : 1)

/** (SQLite, a DUE_OF condition) Past the destination's claim mark ($4 due_at, $5 id): memory-leases.ts. */
export const PAST_MARK = ' AND (due_at, id) > ($4, $5)'

export const RELEASE_EXPIRED =
	"UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE state = 'leased' AND lease_expires_at < $1 RETURNING id"

export const RELEASE_OWNED = "UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE state = 'leased' AND lease_owner = $1"

/**
 * Leases whose holder no longer owns the destination (its ownership lease lapsed or
 * another instance took it over): the holder is dead or cut off, so the rows go back
 * to the queue for the destination's owner. Only leased rows are read (partial index).
 */
export const RELEASE_ORPHANED = `UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL
	WHERE state = 'leased' AND NOT EXISTS (SELECT 1 FROM destination_leases l
		WHERE l.destination_id = deliveries.destination_id AND l.owner = deliveries.lease_owner AND l.lease_until > $1)
	RETURNING id`

/** A delivery's columns as DeliveryRow has them (SQLite's rows also hold their event's seq: migration 23). */
export const DELIVERY_COLUMNS = [
	'id', 'org_id', 'env_id', 'event_id', 'connection_id', 'destination_id', 'state', 'attempts', 'due_at', 'lease_owner', 'lease_expires_at',
	'trigger_type', 'created_at', 'updated_at'
] as const satisfies readonly Exclude<keyof DeliveryRow, 'ahead'>[]

/** Fails to compile when DeliveryRow gains a column DELIVERY_COLUMNS lacks (`ahead` is not a column). */
type MissingDeliveryColumns = Exclude<keyof DeliveryRow, 'ahead' | (typeof DELIVERY_COLUMNS)[number]>
const deliveryColumnsComplete: [MissingDeliveryColumns] extends [never] ? true : MissingDeliveryColumns = true
void deliveryColumnsComplete

export const BY_ID = `SELECT ${DELIVERY_COLUMNS.join(', ')} FROM deliveries WHERE id = $1`

export const REQUEUE = `UPDATE deliveries SET state = 'queued', attempts = 0, due_at = $2, trigger_type = $3, updated_at = $2
	WHERE id = $1 AND state IN ('dead', 'delivered') AND EXISTS (SELECT 1 FROM destinations WHERE destinations.id = deliveries.destination_id)
	RETURNING id`

/**
 * A deleted destination's open deliveries: queued ones from the queue index, leased ones from
 * deliveries_leased (every leased row, in flight or held ahead by any destination: read once,
 * when a destination is deleted). The state is tested again on the row being updated: on
 * PostgreSQL a row an outcome commits meanwhile is re-read against the statement's own
 * conditions only, not the subquery's, and a delivered row must stay delivered.
 */
export const ORPHANED = `UPDATE deliveries SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL, updated_at = $2
	WHERE id IN (SELECT id FROM deliveries WHERE destination_id = $1 AND state = 'queued' AND ${queueIndexed()}
		UNION ALL SELECT id FROM deliveries WHERE state = 'leased' AND destination_id = $1)
	AND state IN ('queued', 'leased')
	RETURNING event_id`

// CAST: PostgreSQL cannot type a bare `$2 IS NULL`. A delivery's attempts are found through
// its event's (a handful of rows): attempts have no index by delivery (SQLite migration 16).
export const DEAD_OF = `SELECT d.id FROM deliveries d WHERE d.destination_id = $1 AND d.state = 'dead' AND ${queueIndexed('d')} AND (CAST($2 AS TEXT) IS NULL OR EXISTS (
	SELECT 1 FROM delivery_attempts a WHERE a.event_id = d.event_id AND a.delivery_id = d.id AND a.is_dlq = 1 AND a.error_type = $2)) ORDER BY d.id`

export const ISSUE_ACTIVE = "SELECT id, recent_attempt_ids FROM issues WHERE destination_id = $1 AND error_type = $2 AND status <> 'resolved'"

export const ISSUE_BUMP =
	'UPDATE issues SET occurrence_count = occurrence_count + 1, last_seen_at = $2, message = $3, recent_attempt_ids = $4, updated_at = $2 WHERE id = $1'

export const ISSUE_OPEN = `INSERT INTO issues (id, org_id, env_id, destination_id, error_type, message, status, occurrence_count, first_seen_at, last_seen_at, recent_attempt_ids, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, 'open', 1, $7, $7, $8, $7, $7)`

// SQLite's finish, once the lease held in memory is checked (repo-record.ts): a delivery closed
// meanwhile (its destination deleted) or deleted (retention) must not be overwritten.
export const FINISH = `UPDATE deliveries SET state = $2, attempts = attempts + 1, due_at = $3, updated_at = $4
	WHERE id = $1 AND state = 'queued'`

// Workers may finish out of order: last_delivery_at only moves forward.
export const DELIVERED = `UPDATE destinations SET event_count = event_count + $3,
	last_delivery_at = CASE WHEN last_delivery_at IS NULL OR last_delivery_at < $2 THEN $2 ELSE last_delivery_at END WHERE id = $1`

export const ATTEMPT_COLUMNS = [
	'id', 'org_id', 'env_id', 'delivery_id', 'event_id', 'connection_id', 'destination_id', 'request_url', 'request_method',
	'request_headers', 'request_body_size', 'response_status', 'response_headers', 'response_body', 'duration_ms', 'status',
	'error', 'error_type', 'created_at', 'attempt_number', 'next_retry_at', 'is_dlq', 'dlq_at', 'trigger_type'
] as const satisfies readonly (keyof AttemptRow)[]

export const INSERT_ATTEMPTS_HEAD = `INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS.join(', ')}) VALUES `

/**
 * An attempt's values in ATTEMPT_COLUMNS order (test/unit/attempt-values.test.ts holds the two
 * together). Read by name: `ATTEMPT_COLUMNS.map((c) => a[c])` is a keyed read per column
 * through one call site that sees every column, ~0.5–0.7 µs more per recorded attempt in process.
 */
export const attemptValues = (a: AttemptRow): (string | number | null)[] => [
	a.id, a.org_id, a.env_id, a.delivery_id, a.event_id, a.connection_id, a.destination_id, a.request_url, a.request_method,
	a.request_headers, a.request_body_size, a.response_status, a.response_headers, a.response_body, a.duration_ms, a.status,
	a.error, a.error_type, a.created_at, a.attempt_number, a.next_retry_at, a.is_dlq, a.dlq_at, a.trigger_type
]

export const CIRCUIT_READ = `SELECT circuit_state AS state, circuit_failure_count AS failure_count, circuit_opened_at AS opened_at,
	circuit_next_probe_at AS next_probe_at, circuit_last_transition_at AS last_transition_at FROM destinations WHERE id = $1`

export const CIRCUIT_WRITE = `UPDATE destinations SET circuit_state = $2, circuit_failure_count = $3, circuit_opened_at = $4,
	circuit_next_probe_at = $5, circuit_last_transition_at = $6 WHERE id = $1`

/**
 * Destination ownership leases (several instances on one database): take a free or
 * expired destination, or renew one's own; a row comes back only for what `owner`
 * holds now. `$1` is now; `n` tuples `(destination_id, owner, lease_until)` follow from `$2`.
 */
export function takeDestinationLeases(n: number): string {
	const tuples: string[] = []
	for (let i = 0; i < n; i++) tuples.push(`($${3 * i + 2}, $${3 * i + 3}, $${3 * i + 4})`)
	return `INSERT INTO destination_leases (destination_id, owner, lease_until) VALUES ${tuples.join(', ')}
	ON CONFLICT (destination_id) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
	WHERE destination_leases.lease_until <= $1 OR destination_leases.owner = excluded.owner
	RETURNING destination_id`
}

export const RELEASE_DESTINATION_LEASE = 'DELETE FROM destination_leases WHERE destination_id = $1 AND owner = $2'

export const RELEASE_DESTINATION_LEASES = 'DELETE FROM destination_leases WHERE owner = $1'

export const DESTINATION_OWNERS = 'SELECT destination_id, owner, lease_until FROM destination_leases ORDER BY destination_id'
