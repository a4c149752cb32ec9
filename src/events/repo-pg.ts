import type { Pg, PgQuery } from '../db/pg/client'
import { multiRow, powerOfTwoChunks } from '../db/pg/multi-row'
import { SeqIdMinter } from '../lib/ids'
import { mintId } from './placement'
import { type createEventsRepo, type PendingEvent, type Tally, tally } from './repo'
import { ADD_TOTALS, BUMP_CONNECTION, COLUMNS, dedupKeyId, eventChildrenDeletes, REMOVE_STORED } from './repo-sql'

/**
 * The ingest write on PostgreSQL: one transaction per group-commit batch, two pipelined
 * round trips instead of a statement per event.
 *
 * 1. Decisions: a lock on the batch's source rows, per-source counters, a KEY SHARE lock on
 *    the routed destinations and connections that still exist, and the dedup upsert.
 * 2. Writes: event rows, large bodies, outbox rows (multi-row VALUES), connection counters.
 *
 * Locks are taken in one order (sources → event_totals → destinations → connections →
 * dedup keys, each sorted by key), so concurrent batches of several instances queue behind
 * each other instead of deadlocking. The KEY SHARE lock keeps a destination from being
 * deleted between the check and the commit: its deletion waits for this batch, so the
 * abandoning of its queued deliveries (which follows the delete) sees these rows too.
 */

const insertEvents = multiRow(`INSERT INTO events (${COLUMNS.join(', ')})`, COLUMNS.length)
const insertPayloads = multiRow('INSERT INTO event_payloads (event_id, body)', 2)
const insertDeliveries = multiRow(
	`INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at)
	 SELECT v.id, v.org_id, v.env_id, v.event_id, v.connection_id, v.destination_id, 'queued', 0, v.at, 'initial', v.at, v.at FROM (`,
	7,
	() => ') AS v (id, org_id, env_id, event_id, connection_id, destination_id, at)',
	[null, null, null, null, null, null, 'bigint']
)
// A key is taken when it is new or its window has passed; RETURNING names the keys this batch
// took. Two instances submitting one key at once: the second waits on the first's row lock,
// then sees the unexpired key and returns nothing, so exactly one stores the event as unique.
const upsertKeys = multiRow(
	'INSERT INTO dedup_keys (source_id, key_hash, event_id, expires_at)',
	4,
	(now) => `ON CONFLICT (source_id, key_hash) DO UPDATE SET event_id = excluded.event_id, expires_at = excluded.expires_at
	 WHERE dedup_keys.expires_at <= $${now} RETURNING source_id, key_hash`
)
/**
 * The lock an UPDATE of the counters on the sources row took before migration 17 moved them to
 * event_totals, without writing a new version of that wide row: a session's delete or claim and
 * an environment purge (FOR UPDATE) still wait for a batch writing events of its sources.
 */
export const LOCK_SOURCES = 'SELECT id FROM sources WHERE id = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE'
const LOCK_DESTINATIONS = 'SELECT id FROM destinations WHERE id = ANY($1::text[]) ORDER BY id FOR KEY SHARE'
const LOCK_CONNECTIONS = 'SELECT id FROM connections WHERE id = ANY($1::text[]) ORDER BY id FOR KEY SHARE'

/** Bodies are large (over the inline threshold): fewer per statement. */
const PAYLOADS_PER_STATEMENT = 16

const sorted = (ids: Iterable<string>) => [...new Set(ids)].sort()

/** The first event of each dedup key in the batch, in key order (the lock order); later twins are its duplicates. */
function keyOwners(batch: PendingEvent[]): Map<string, PendingEvent> {
	const owners = new Map<string, PendingEvent>()
	for (const p of batch) {
		if (!p.dedup) continue
		const key = dedupKeyId(p.row.source_id, p.dedup.keyHash)
		if (!owners.has(key)) owners.set(key, p)
	}
	return new Map([...owners].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * One upsert per chunk of keys. The window is judged at the batch's latest receipt time (one
 * `$now` per statement): a key expiring within the few milliseconds a batch spans counts as
 * expired for the whole batch, so the error, if any, is towards storing an event as unique.
 */
function takeKeys(q: PgQuery, owners: Map<string, PendingEvent>, now: number): Promise<{ source_id: string; key_hash: string }[]> {
	const chunks = powerOfTwoChunks([...owners.values()])
	return Promise.all(
		chunks.map((chunk) => {
			const params: unknown[] = []
			for (const p of chunk) params.push(p.row.source_id, p.dedup?.keyHash, p.row.id, p.row.received_at + (p.dedup?.windowMs ?? 0))
			params.push(now)
			return q.all<{ source_id: string; key_hash: string }>(upsertKeys(chunk.length), params)
		})
	).then((parts) => parts.flat())
}

/** Marks every dedup'ed event unique (its key taken by this batch) or duplicate. */
function applyDedup(batch: PendingEvent[], owners: Map<string, PendingEvent>, taken: Set<string>): void {
	for (const p of batch) {
		if (!p.dedup) continue
		const key = dedupKeyId(p.row.source_id, p.dedup.keyHash)
		if (owners.get(key) !== p || !taken.has(key)) p.row.dedup_status = 'duplicate'
	}
}

/** The outbox rows of the batch: none for a duplicate, and only towards connections and destinations that still exist. */
function route(batch: PendingEvent[], live: { connections: Set<string>; destinations: Set<string> }, perConnection: Map<string, Tally>): unknown[][] {
	const rows: unknown[][] = []
	for (const { row, routes } of batch) {
		if (row.dedup_status === 'duplicate') {
			row.status = 'no_route'
			continue
		}
		let queued = 0
		for (const r of routes) {
			if (!live.connections.has(r.connectionId) || !live.destinations.has(r.destinationId)) continue
			rows.push([r.deliveryId, row.org_id, row.env_id, row.id, r.connectionId, r.destinationId, row.received_at])
			tally(perConnection, r.connectionId, row.received_at)
			queued++
		}
		if (routes.length > 0 && queued === 0) row.status = 'no_route'
	}
	return rows
}

/** The writes of the second round trip, sent together (pipelined). */
function writes(q: PgQuery, batch: PendingEvent[], deliveries: unknown[][], perConnection: Map<string, Tally>): Promise<unknown>[] {
	const out: Promise<unknown>[] = []
	for (const chunk of powerOfTwoChunks(batch)) {
		const params: unknown[] = []
		for (const { row } of chunk) for (const c of COLUMNS) params.push(row[c])
		out.push(q.run(insertEvents(chunk.length), params))
	}
	const large = batch.filter((p) => p.row.payload_ref)
	for (const chunk of powerOfTwoChunks(large, PAYLOADS_PER_STATEMENT)) {
		out.push(q.run(insertPayloads(chunk.length), chunk.flatMap((p) => [p.row.id, p.body])))
	}
	for (const chunk of powerOfTwoChunks(deliveries)) out.push(q.run(insertDeliveries(chunk.length), chunk.flat()))
	for (const id of sorted(perConnection.keys())) {
		const t = perConnection.get(id) as Tally
		out.push(q.run(BUMP_CONNECTION, [id, t.n, t.last]))
	}
	return out
}

/**
 * The source rows locked, then each source's counters (one event_totals row each), in id order.
 * Each statement goes out when it is called (pipelined): the lock is called first, or a batch
 * would hold a counters row while it waits on its source row, which a session's delete or claim
 * holds while it waits on that counters row.
 */
function sourceCounters(q: PgQuery, perSource: Map<string, Tally>): Promise<unknown>[] {
	const ids = sorted(perSource.keys())
	const lock = q.all(LOCK_SOURCES, [ids])
	const totals = ids.map((id) => {
		const t = perSource.get(id) as Tally
		return q.run(ADD_TOTALS, [id, t.env, t.n, t.last])
	})
	return [lock, ...totals]
}

async function writeBatch(pg: Pg, batch: PendingEvent[]): Promise<number> {
	const perSource = new Map<string, Tally>()
	for (const { row } of batch) tally(perSource, row.source_id, row.received_at, row.env_id)
	const owners = keyOwners(batch)
	const now = batch.reduce((m, p) => Math.max(m, p.row.received_at), 0)
	const connections = sorted(batch.flatMap((p) => p.routes.map((r) => r.connectionId)))
	const destinations = sorted(batch.flatMap((p) => p.routes.map((r) => r.destinationId)))

	return pg.tx(async (q) => {
		const counters = sourceCounters(q, perSource)
		const live = { connections: new Set<string>(), destinations: new Set<string>() }
		if (owners.size > 0 || connections.length > 0) {
			// Pipelined in this order: the lock order the header describes.
			const dests = destinations.length > 0 ? q.all<{ id: string }>(LOCK_DESTINATIONS, [destinations]) : Promise.resolve([])
			const conns = connections.length > 0 ? q.all<{ id: string }>(LOCK_CONNECTIONS, [connections]) : Promise.resolve([])
			const keys = owners.size > 0 ? takeKeys(q, owners, now) : Promise.resolve([])
			const [d, c, taken] = await Promise.all([dests, conns, keys, ...counters])
			for (const r of d) live.destinations.add(r.id)
			for (const r of c) live.connections.add(r.id)
			applyDedup(batch, owners, new Set(taken.map((k) => dedupKeyId(k.source_id, k.key_hash))))
		}
		const perConnection = new Map<string, Tally>()
		const deliveries = route(batch, live, perConnection)
		await Promise.all([...counters, ...writes(q, batch, deliveries, perConnection)])
		return deliveries.length
	})
}

// Retention: the batch of old events is locked (SKIP LOCKED: two instances purging at once
// take different rows) and deleted with its bodies, attempts and deliveries in one statement.
const PURGE = `WITH old AS (SELECT id FROM events WHERE id < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED),
	${eventChildrenDeletes('SELECT id FROM old').map((sql, i) => `c${i} AS (${sql})`).join(',\n\t')},
	e AS (DELETE FROM events WHERE id IN (SELECT id FROM old) RETURNING source_id)
	SELECT source_id, COUNT(*) AS n FROM e GROUP BY source_id ORDER BY source_id`
// The locked subquery keeps ingest from re-taking a key between the choice and the delete.
const EXPIRED_KEYS = `DELETE FROM dedup_keys WHERE (source_id, key_hash) IN (
	SELECT source_id, key_hash FROM dedup_keys WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED) AND expires_at <= $1`

/** The events write path on PostgreSQL; the same interface as the SQLite `createEventsRepo`. */
export function createEventsRepoPg(pg: Pg): ReturnType<typeof createEventsRepo> {
	// Ids of rows ingest left without one, minted before the transaction so a retried one keeps them.
	const minter = new SeqIdMinter('evt')
	return {
		/** One transaction per batch (see the header); returns how many deliveries were queued. */
		async insertBatch(batch: PendingEvent[]): Promise<number> {
			if (batch.length === 0) return 0
			for (const { row } of batch) if (row.id === '') mintId(minter, row)
			return writeBatch(pg, batch)
		},
		/** Deletes up to `limit` events with ids below `cutoffId` (ids sort by time); returns how many. */
		async purgeBefore(cutoffId: string, limit: number): Promise<number> {
			return pg.tx(async (q) => {
				const perSource = await q.all<{ source_id: string; n: number }>(PURGE, [cutoffId, limit])
				await Promise.all(perSource.map((s) => q.run(REMOVE_STORED, [s.source_id, s.n])))
				return perSource.reduce((sum, s) => sum + s.n, 0)
			})
		},
		async purgeDedupKeys(now: number, limit: number): Promise<number> {
			return pg.run(EXPIRED_KEYS, [now, limit])
		},
		/** Nothing to move: every batch writes its keys into the shared dedup_keys (several instances read them there). */
		async flushDedupKeys(): Promise<void> {}
	}
}
