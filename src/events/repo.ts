import type { Database } from 'bun:sqlite'
import { countEventDeletion } from '../db/event-deletions'
import { prepare, valuesList } from '../db/sql'
import { ADD_KEY, KEY_OF, seqOrder } from './order-sql'
import type { EventQueries } from './queries'
import { type DedupOptions, dedupWindow, type StagedKeys } from './repo-dedup'
import { ADD_TOTALS, BUMP_CONNECTION, COLUMNS, eventChildrenDeletes, INSERT_DELIVERY, INSERT_PAYLOAD, REMOVE_STORED } from './repo-sql'
import { SeqTaken } from '../db/seq-placement'
import { eventPlacement } from './placement'
import { EVENT_SEQS } from './seq-sql'

/**
 * An `events` row as stored. `payload_inline` holds the raw bytes when they fit the inline
 * threshold. Ingest leaves `id` empty: the repo mints it as it writes the row (placement.ts).
 */
export interface EventRow {
	id: string
	org_id: string
	env_id: string
	source_id: string
	method: string
	headers: string
	query_params: string | null
	content_type: string | null
	source_ip: string | null
	payload_inline: Uint8Array | null
	payload_ref: string | null
	payload_size: number
	verification_status: string
	verification_error: string | null
	dedup_status: string
	dedup_hash: string | null
	status: string
	received_at: number
	topic: string | null
}

/** One event waiting in the group-commit queue. */
export interface PendingEvent {
	row: EventRow
	/** The raw body; stored apart from the row when `row.payload_ref` is set. */
	body: Uint8Array
	/** Dedup key hash and the window, or null when dedup is off for the source. */
	dedup: { keyHash: string; windowMs: number } | null
	/** Connections whose filters matched: one outbox row each, unless the event turns out a duplicate. */
	routes: { deliveryId: string; connectionId: string; destinationId: string }[]
}

/** The events store as the rest of the app sees it: the write path here, the reads in queries.ts. */
export type EventsRepo = ReturnType<typeof createEventsRepo> & EventQueries

/** Writes the outbox rows of one event inside the ingest transaction. */
function outboxWriter(db: Database) {
	// Only while the connection and destination still exist (INSERT_DELIVERY says why).
	const insertDelivery = prepare(db, INSERT_DELIVERY)
	const bumpConnection = prepare(db, BUMP_CONNECTION)

	/** The outbox half of the transaction: a duplicate is stored but never routed. Counts land in `perConnection`. */
	function route(p: PendingEvent, seq: bigint, perConnection: Map<string, Tally>): number {
		const { row } = p
		if (row.dedup_status === 'duplicate') {
			row.status = 'no_route'
			return 0
		}
		let queued = 0
		for (const r of p.routes) {
			if (insertDelivery.run(r.deliveryId, row.org_id, row.env_id, row.id, r.connectionId, r.destinationId, row.received_at, seq).changes === 0) continue
			tally(perConnection, r.connectionId, row.received_at)
			queued++
		}
		if (p.routes.length > 0 && queued === 0) row.status = 'no_route'
		return queued
	}
	/** Counters are summed over the batch and written once per connection, not per event. */
	const flush = (perConnection: Map<string, Tally>) => {
		for (const [id, t] of perConnection) bumpConnection.run(id, t.n, t.last)
	}
	return { route, flush }
}

/** Events counted for one source or connection within a batch, and the latest time among them. */
export interface Tally {
	n: number
	last: number
	env: string
}

export function tally(into: Map<string, Tally>, id: string, at: number, env = ''): void {
	const t = into.get(id)
	if (t) {
		t.n++
		if (at > t.last) t.last = at
	} else into.set(id, { n: 1, last: at, env })
}

/** Retention's deletes, in small transactions so ingest's writes interleave. */
function retentionDeletes(db: Database, dedup: ReturnType<typeof dedupWindow>) {
	const removeStored = prepare(db, REMOVE_STORED)
	// Seqs sort as ids do (seq-sql.ts): the oldest events are the first seqs, below the cutoff's.
	const oldIds = prepare<{ id: string; source_id: string; seq: string }, [string, number]>(
		db, `SELECT id, source_id, CAST(seq AS TEXT) AS seq FROM events WHERE ${seqOrder('events', EVENT_SEQS).edge('<', '$1')} ORDER BY seq LIMIT $2`
	)
	const deleteEvent = prepare(db, 'DELETE FROM events WHERE seq = $1')
	const deleteChildren = eventChildrenDeletes('$1').map((sql) => prepare(db, sql))
	const expiredKeys = prepare(
		db,
		'DELETE FROM dedup_keys WHERE (source_id, key_hash) IN (SELECT source_id, key_hash FROM dedup_keys WHERE expires_at <= $1 LIMIT $2)'
	)

	return {
		/** Deletes up to `limit` events with ids below `cutoffId` (ids sort by time); returns how many. */
		async purgeBefore(cutoffId: string, limit: number): Promise<number> {
			return db.transaction(() => {
				const ids = oldIds.all(cutoffId, limit)
				if (ids.length > 0) countEventDeletion(db)
				const perSource = new Map<string, number>()
				for (const { id, source_id, seq } of ids) {
					for (const child of deleteChildren) child.run(id)
					deleteEvent.run(BigInt(seq))
					perSource.set(source_id, (perSource.get(source_id) ?? 0) + 1)
				}
				for (const [sourceId, n] of perSource) removeStored.run(sourceId, n)
				return ids.length
			}).immediate()
		},
		/** Deletes up to `limit` expired dedup keys; keys held in memory too long are flushed first (repo-dedup.ts). */
		async purgeDedupKeys(now: number, limit: number): Promise<number> {
			await dedup.flushIfStale(now)
			return expiredKeys.run(now, limit).changes
		}
	}
}

/**
 * The list keys of a batch's environments and sources (migration 18), looked up once per id
 * and batch inside its transaction: an id created, keyed or deleted meanwhile needs no cache
 * invalidated. An id without a key (no environment or source row had it) gets one here.
 */
function listKeys(db: Database) {
	const keyOf = prepare<{ key: number }, [string]>(db, KEY_OF)
	const addKey = prepare<{ key: number }, [string]>(db, ADD_KEY)
	return (keys: Map<string, number>, id: string): number => {
		let key = keys.get(id)
		if (key === undefined) {
			key = (keyOf.get(id) ?? (addKey.get(id) as { key: number })).key
			keys.set(id, key)
		}
		return key
	}
}

/** The seq, the stored columns and then the list keys: the SQLite insert binds all three. */
const INSERT_COLUMNS = ['seq', ...COLUMNS, 'env_key', 'source_key']

export function createEventsRepo(db: Database, opts: DedupOptions = {}) {
	const insertEvent = prepare(
		db,
		`INSERT INTO events (${INSERT_COLUMNS.join(', ')}) VALUES ${valuesList(1, INSERT_COLUMNS.length)} ON CONFLICT (seq) DO NOTHING`
	)
	const placement = eventPlacement(db)
	const keyOf = listKeys(db)
	const insertPayload = prepare(db, INSERT_PAYLOAD)
	const addTotals = prepare(db, ADD_TOTALS)
	const dedup = dedupWindow(db, opts)

	/** Decides duplicate-or-unique inside the write transaction, so concurrent twins cannot both be unique. */
	function resolveDedup(p: PendingEvent, staged: StagedKeys): void {
		if (!p.dedup) return
		const { row } = p
		if (dedup.seen(staged, row.source_id, p.dedup.keyHash, row.id, row.received_at, p.dedup.windowMs)) row.dedup_status = 'duplicate'
	}

	const outbox = outboxWriter(db)

	// Counters are summed over the batch and written once per source and connection, not per event.
	const writeBatch = db.transaction((batch: PendingEvent[], staged: StagedKeys) => {
		const perSource = new Map<string, Tally>()
		const perConnection = new Map<string, Tally>()
		const keys = new Map<string, number>()
		let deliveries = 0
		for (let i = 0; i < batch.length; i++) {
			const p = batch[i] as PendingEvent
			const r = p.row
			const seq = r.id === '' ? placement.minted(r) : placement.own(r)
			resolveDedup(p, staged)
			deliveries += outbox.route(p, seq, perConnection)
			// Bound positionally, in INSERT_COLUMNS order: no per-event array of column values.
			const inserted = insertEvent.run(seq, r.id, r.org_id, r.env_id, r.source_id, r.method, r.headers, r.query_params, r.content_type, r.source_ip,
				r.payload_inline, r.payload_ref, r.payload_size, r.verification_status, r.verification_error, r.dedup_status, r.dedup_hash, r.status,
				r.received_at, r.topic, keyOf(keys, r.env_id), keyOf(keys, r.source_id))
			if (inserted.changes === 0) throw new SeqTaken()
			if (r.payload_ref) insertPayload.run(r.id, p.body)
			tally(perSource, r.source_id, r.received_at, r.env_id)
		}
		for (const [id, t] of perSource) addTotals.run(id, t.env, t.n, t.last)
		outbox.flush(perConnection)
		return deliveries
	})

	return {
		/**
		 * Stores a batch in one transaction: dedup decision, event rows, large bodies,
		 * outbox rows and counters. Synchronous inside; the caller acknowledges after
		 * it returns. Returns how many deliveries were queued.
		 */
		async insertBatch(batch: PendingEvent[]): Promise<number> {
			let staged: StagedKeys = new Map()
			const deliveries = placement.retried(batch, () => writeBatch.immediate(batch, staged), () => {
				staged = new Map()
			})
			dedup.committed(staged)
			return deliveries
		},
		/** Moves the dedup keys held in memory into dedup_keys now (tests; repo-dedup.ts flushes on its own). */
		flushDedupKeys: (): Promise<void> => dedup.flushAll(),
		...retentionDeletes(db, dedup)
	}
}
