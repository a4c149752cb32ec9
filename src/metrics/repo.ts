import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue, valuesList, type Where, whereOf } from '../db/sql'
import { ATTEMPT_SEQS } from '../attempts/seq-sql'
import { type EventOrder, seqOrder } from '../events/order-sql'
import { EVENT_SEQS } from '../events/seq-sql'
import { idsParam } from '../db/id-list'
import type { MemoryLeases } from '../delivery/memory-leases'
import { idFloorAt } from '../lib/ids'
import { HOUR_MS, MINUTE_MS, type Span } from './histogram'
import * as Q from './repo-sql'
import { type AttemptGroup, attemptBuckets, EVENT_BATCH, foldAttemptGroups, mergedCounts, timeOfId, volumeBuckets } from './rollup-rows'

export interface VolumeRow { env_id: string; source_id: string; bucket: number; event_count: number }
export interface DeliveryRow { env_id: string; destination_id: string; bucket: number; delivery_count: number; success_count: number; failure_count: number; dlq_count: number }
export interface LatencyRow { env_id: string; destination_id: string; bucket: number; le_ms: number; count: number }
export interface ErrorRow { env_id: string; destination_id: string; bucket: number; error_type: string; count: number }
export interface AttemptRollup { deliveries: DeliveryRow[]; latency: LatencyRow[]; errors: ErrorRow[] }
/** A rolled-up latency histogram: `counts` is a JSON array of counts by bound index (overflow last). */
export interface LatencyBucketRow { env_id: string; destination_id: string; bucket: number; counts: string }

/** What one query sees: the rolled-up buckets, and the not-yet-rolled rows aggregated by minute. */
export interface Snapshot<T> { rolled: T; tail: T }

export interface RangeFilter { envId: string; span: Span; from: number; to: number; sourceId?: string | null; destinationId?: string | null }

/** Watermark names. */
export const EVENTS = 'events'
export const ATTEMPTS = 'attempts'

/**
 * (SQLite) `events` (migration 22) and `delivery_attempts` (migration 24) walked by seq, which sorts
 * as ids do; their edges test the id too, for an id hookstream did not mint.
 */
const BY_SEQ = seqOrder('events', EVENT_SEQS)
const ATTEMPT_SEQ = seqOrder('delivery_attempts', ATTEMPT_SEQS)
/** Rows of a walk with ids in (`after`, `before`). */
const between = (order: EventOrder, after: string, before: string) => `${order.edge('>', after)} AND ${order.edge('<', before)}`
const attemptsBetween = (after: string, before: string) => between(ATTEMPT_SEQ, after, before)
const eventsBetween = (after: string, before: string) => between(BY_SEQ, after, before)
/** The `offset`-th attempt past the mark ($1) and below the ceiling ($2), and the last one: the end of a rollup batch. */
const NTH_ATTEMPT = `SELECT id FROM delivery_attempts WHERE ${attemptsBetween('$1', '$2')} ORDER BY seq LIMIT 1 OFFSET $3`
const LAST_ATTEMPT = `SELECT id FROM delivery_attempts WHERE ${attemptsBetween('$1', '$2')} ORDER BY seq DESC LIMIT 1`

/**
 * The attempts in (lo, hi] of an environment (and destination), by id: a range of the primary key
 * (the seq, migration 24). `+`: the environment and destination only filter. Their indexes
 * (attempts_env, migration 16) end in the seq too, but SQLite would read every attempt of the
 * environment to find the few past the rollup's mark (130 ms at 250,000 attempts: bench/metrics.ts).
 */
export const attemptsTailWhere = (lo: string, hi: string, env: string | null, from: number | null, to: number | null, destinationId: string | null): Where =>
	whereOf([
		[ATTEMPT_SEQ.edge('>'), lo], [ATTEMPT_SEQ.edge('<='), hi], ['+env_id = ?', env], ['created_at >= ?', from], ['created_at < ?', to],
		['+destination_id = ?', destinationId]
	])

/**
 * Attempt aggregates of raw rows in (lo, hi], by minute: the rollup job's input and
 * the API's tail. (Events are counted from an index instead: see eventCounts.)
 */
function rawAggregates(db: Database) {
	return {
		attempts(lo: string, hi: string, env: string | null = null, from: number | null = null, to: number | null = null, destinationId: string | null = null): AttemptRollup {
			const w = attemptsTailWhere(lo, hi, env, from, to, destinationId)
			return foldAttemptGroups(prepare<AttemptGroup, SqlValue[]>(db, Q.attemptGroupsSql(w.sql)).all(...w.params))
		}
	}
}

/** The SQLite writes of a rolled batch: one prepared upsert per row. */
function upserts(db: Database) {
	const volume = prepare(db, `${Q.VOLUME_INSERT} VALUES ${valuesList(1, 5)} ${Q.VOLUME_MERGE}`)
	const deliveries = prepare(db, `${Q.DELIVERIES_INSERT} VALUES ${valuesList(1, 8)} ${Q.DELIVERIES_MERGE}`)
	// One row per histogram: merged in the app (JSON text), so a month of one destination is 720 rows, not one per bin.
	const latencyOf = prepare<{ counts: string }, [string, string, number, string]>(db, 'SELECT counts FROM metric_latency WHERE env_id = $1 AND span = $2 AND bucket = $3 AND destination_id = $4')
	const latency = prepare(db, `${Q.LATENCY_INSERT} VALUES ${valuesList(1, 5)} ${Q.LATENCY_MERGE}`)
	const errors = prepare(db, `${Q.ERRORS_INSERT} VALUES ${valuesList(1, 6)} ${Q.ERRORS_MERGE}`)
	return {
		volume(rows: VolumeRow[]) {
			for (const r of volumeBuckets(rows)) volume.run(...r)
		},
		attempts(a: AttemptRollup) {
			const b = attemptBuckets(a)
			for (const r of b.deliveries) deliveries.run(...r)
			for (const l of b.latency) {
				const stored = latencyOf.get(l.env_id, l.span, l.bucket, l.destination_id)?.counts
				latency.run(l.env_id, l.span, l.bucket, l.destination_id, mergedCounts(stored, l.add))
			}
			for (const r of b.errors) errors.run(...r)
		}
	}
}

type IdRow = [id: string, env_id: string, source_id: string]

/**
 * Rows counted per environment, source and minute as ids come (any order: a key seen again adds
 * up). Rows arrive in id order, so a row of the previous row's source and minute is counted
 * with string compares against that minute's id bounds, without reading the time out of its id.
 */
function byMinute(rows: IdRow[]): VolumeRow[] {
	const out = new Map<string, VolumeRow>()
	let run: VolumeRow | undefined
	let from = ''
	let until = ''
	for (const [id, env_id, source_id] of rows) {
		if (run !== undefined && id >= from && id < until && id.length === ID_LENGTH && source_id === run.source_id && env_id === run.env_id) {
			run.event_count++
			continue
		}
		const bucket = Math.floor(timeOfId(id) / MINUTE_MS) * MINUTE_MS
		const key = `${env_id}|${source_id}|${bucket}`
		run = out.get(key)
		if (run) run.event_count++
		else out.set(key, (run = { env_id, source_id, bucket, event_count: 1 }))
		from = idFloorAt('evt', bucket)
		until = idFloorAt('evt', bucket + MINUTE_MS)
	}
	return [...out.values()]
}

/** `evt_` + 32 hex: the only ids the run test above takes for ones inside a minute's bounds. */
const ID_LENGTH = 36

/**
 * Events per source and minute in an id range (the time is in the id), walked by seq: exact
 * by id, as the rollup's mark is. The rollup reads every environment; the API's tail is the
 * events past the mark, a short range.
 */
function eventCounts(db: Database) {
	const firstOf = prepare<IdRow, [string, string, number]>(db, `SELECT id, env_id, source_id FROM events WHERE ${eventsBetween('?1', '?2')} ORDER BY seq LIMIT ?3`)
	return {
		/** Ids in (after, …) ∩ [from, to), counted by minute; optionally one environment / source. */
		range(envId: string | null, sourceId: string | null, after: string, from: string, to: string): VolumeRow[] {
			// `+`: the environment and source only filter; the list index would walk all of the environment and sort.
			const w = whereOf([
				[BY_SEQ.edge('>'), after], [BY_SEQ.edge('>='), from], [BY_SEQ.edge('<'), to],
				['+env_id = ?', envId], ['+source_id = ?', sourceId]
			])
			return byMinute(prepare<IdRow, SqlValue[]>(db, `SELECT id, env_id, source_id FROM events WHERE ${w.sql} ORDER BY seq`).values(...w.params) as IdRow[])
		},
		/**
		 * The rollup's batch: the first `limit` events in (after, before) counted, and the last id
		 * read (the next mark), in one walk of the table by seq; null when there is none.
		 */
		batch(after: string, before: string, limit: number): { rows: VolumeRow[]; last: string } | null {
			const rows = firstOf.values(after, before, limit) as IdRow[]
			const last = rows.at(-1)?.[0]
			return last === undefined ? null : { rows: byMinute(rows), last }
		}
	}
}

export type MetricsRepo = ReturnType<typeof createMetricsRepo>

export function createMetricsRepo(db: Database, leases: MemoryLeases) {
	const raw = rawAggregates(db)
	const upsert = upserts(db)
	const getMark = prepare<{ last_id: string }, [string]>(db, Q.GET_MARK)
	const setMark = prepare(db, Q.SET_MARK)
	const counts = eventCounts(db)
	const firstEvent = prepare<{ id: string }, [string, string]>(db, `SELECT id FROM events WHERE ${eventsBetween('$1', '$2')} ORDER BY seq LIMIT 1`)
	const nthAttempt = prepare<{ id: string }, [string, string, number]>(db, NTH_ATTEMPT)
	const lastAttempt = prepare<{ id: string }, [string, string]>(db, LAST_ATTEMPT)
	const mark = (name: string) => getMark.get(name)?.last_id ?? ''

	/** The end of the next attempt batch: the batch-th id past the mark, else the last one below the ceiling. */
	const batchEnd = (lo: string, ceiling: string, batch: number) => nthAttempt.get(lo, ceiling, batch - 1)?.id ?? lastAttempt.get(lo, ceiling)?.id ?? null

	// Events are folded one UTC hour at a time, at most EVENT_BATCH per transaction, counted per
	// source and minute from their ids (eventCounts).
	const rollEvents = db.transaction((ceiling: string): VolumeRow[] | null => {
		const lo = mark(EVENTS)
		const first = firstEvent.get(lo, ceiling)?.id
		if (first === undefined) return null
		const hour = Math.floor(timeOfId(first) / HOUR_MS) * HOUR_MS
		const end = idFloorAt('evt', hour + HOUR_MS)
		// At most EVENT_BATCH events per transaction, so one pass never holds the thread long;
		// the batch is read once, and its last id is the new mark.
		const batch = counts.batch(lo, end < ceiling ? end : ceiling, EVENT_BATCH)
		if (batch === null) return null // unreachable: `first` is below both bounds
		upsert.volume(batch.rows)
		setMark.run(EVENTS, batch.last)
		return batch.rows
	})
	const rollAttempts = db.transaction((ceiling: string, batch: number): AttemptRollup | null => {
		const lo = mark(ATTEMPTS)
		const hi = batchEnd(lo, ceiling, batch)
		if (hi === null) return null
		const rows = raw.attempts(lo, hi)
		upsert.attempts(rows)
		setMark.run(ATTEMPTS, hi)
		return rows
	})

	// Every read sees one consistent cut: the mark and the buckets it covers, then the rows past it.
	const readVolume = db.transaction((f: RangeFilter): Snapshot<VolumeRow[]> => {
		const w = whereOf([['env_id = ?', f.envId], ['span = ?', f.span], ['bucket >= ?', f.from], ['bucket < ?', f.to], ['source_id = ?', f.sourceId]])
		const rolled = prepare<VolumeRow, SqlValue[]>(db, Q.ROLLED_VOLUME(w.sql)).all(...w.params)
		// The tail: the window's events past the mark, counted from the index like the rollup does.
		return { rolled, tail: counts.range(f.envId, f.sourceId ?? null, mark(EVENTS), idFloorAt('evt', f.from), idFloorAt('evt', f.to)) }
	})
	const readAttempts = db.transaction((f: RangeFilter, latency: boolean): Snapshot<AttemptRollup> & { hists: LatencyBucketRow[] } => {
		const w = () => whereOf([['env_id = ?', f.envId], ['span = ?', f.span], ['bucket >= ?', f.from], ['bucket < ?', f.to], ['destination_id = ?', f.destinationId]])
		const d = w()
		const deliveries = prepare<DeliveryRow, SqlValue[]>(db, Q.ROLLED_DELIVERIES(d.sql)).all(...d.params)
		const e = w()
		const errors = prepare<ErrorRow, SqlValue[]>(db, Q.ROLLED_ERRORS(e.sql)).all(...e.params)
		const l = w()
		const hists = latency ? prepare<LatencyBucketRow, SqlValue[]>(db, Q.ROLLED_LATENCY(l.sql)).all(...l.params) : []
		return { rolled: { deliveries, latency: [], errors }, hists, tail: raw.attempts(mark(ATTEMPTS), 'da_g', f.envId, f.from, f.to, f.destinationId ?? null) }
	})
	const overview = prepare<{ active_sources: number; active_destinations: number; open_issues: number }, [string]>(db, Q.OVERVIEW)
	const sourceNames = prepare<{ id: string; name: string }, [string]>(db, Q.SOURCE_NAMES)
	const destinationNames = prepare<{ id: string; name: string }, [string]>(db, Q.DESTINATION_NAMES)
	const trims = Q.METRIC_TABLES.map((table) => prepare(db, Q.TRIM(table)))

	const queue = prepare<{ state: string; n: number }, []>(db, Q.QUEUE_STATES)
	const leasedInMemory = prepare<{ n: number }, [string]>(db, Q.LEASED_IN_MEMORY)
	const oldestDue = prepare<{ due: number | null }, [number, string]>(db, Q.OLDEST_DUE_NOT_LEASED)
	const circuits = prepare<{ destination_id: string; state: string }, []>(db, Q.CIRCUITS)

	return {
		/** Live gauges for a Prometheus scrape: the outbox and every destination's breaker. */
		async scrapeState(now: number) {
			const byState = Object.fromEntries(queue.all().map((r) => [r.state, r.n]))
			// Rows leased in memory are queued in storage: counted as leased, and not waiting.
			const ids = idsParam(leases.ids())
			const inMemory = leasedInMemory.get(ids)?.n ?? 0
			return {
				queue: { queued: (byState.queued ?? 0) - inMemory, leased: (byState.leased ?? 0) + inMemory, oldestDueAt: oldestDue.get(now, ids)?.due ?? null },
				circuits: circuits.all()
			}
		},
		/** Folds the next events (one UTC hour at most, EVENT_BATCH at most) with ids below `ceiling` into the buckets; null when none is left. */
		async rollEvents(ceiling: string): Promise<VolumeRow[] | null> {
			return rollEvents.immediate(ceiling)
		},
		async rollAttempts(ceiling: string, batch: number): Promise<AttemptRollup | null> {
			return rollAttempts.immediate(ceiling, batch)
		},
		async volume(f: RangeFilter): Promise<Snapshot<VolumeRow[]>> {
			return readVolume(f)
		},
		/** Rolled-up attempts (latency as whole histograms in `hists`), and the tail. */
		async attempts(f: RangeFilter, opts: { latency: boolean }): Promise<Snapshot<AttemptRollup> & { hists: LatencyBucketRow[] }> {
			return readAttempts(f, opts.latency)
		},
		async counts(envId: string) {
			return overview.get(envId) ?? { active_sources: 0, active_destinations: 0, open_issues: 0 }
		},
		async names(envId: string): Promise<{ sources: Map<string, string>; destinations: Map<string, string> }> {
			return {
				sources: new Map(sourceNames.all(envId).map((r) => [r.id, r.name])),
				destinations: new Map(destinationNames.all(envId).map((r) => [r.id, r.name]))
			}
		},
		/** Retention: buckets of `span` that start before `before`. Returns rows deleted. */
		async trim(span: Span, before: number): Promise<number> {
			let n = 0
			for (const s of trims) n += s.run(span, before).changes
			return n
		}
	}
}
