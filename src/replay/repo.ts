import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue } from '../db/sql'
import { idsInSqlite, idsParam } from '../db/id-list'
import type { MemoryLeases } from '../delivery/memory-leases'
import { SEQ_ORDER } from '../events/order-sql'
import {
	BUMP_JOB, candidatesQuery, connectionsQuery, dropQueued, FINISH_JOB, insertDeliveryQuery, INSERT_ITEM_HEAD, INSERT_JOB, JOB_BY_ID, JOB_COLUMNS, JOBS_OF_ENV,
	NEXT_ITEMS, PROGRESS, PURGE, RUNNING, SET_ITEM, SKIPPED, STATUS_OF
} from './repo-sql'

export interface ReplayJobRow {
	id: string
	org_id: string
	env_id: string
	destination_id: string
	source_id: string | null
	connection_id: string | null
	filter: string | null
	from_at: number
	to_at: number
	rate_limit: number
	max_events: number
	status: string
	total: number
	enqueued: number
	error: string | null
	started_at: number
	completed_at: number | null
	created_at: number
	updated_at: number
}

export interface ReplayCandidate { id: string; source_id: string; headers: string; method: string; content_type: string | null; source_ip: string | null; body: Uint8Array | null }
export interface ReplayConnection { id: string; source_id: string; filter_rules: string | null }
export interface ReplayProgress { succeeded: number; failed: number; skipped: number }

export type ReplayRepo = ReturnType<typeof createReplayRepo>

/** Replay jobs and the outbox rows they add (trigger_type 'replay'): the delivery pipeline does the rest. */
export function createReplayRepo(db: Database, leases: MemoryLeases) {
	const insertJob = prepare(db, INSERT_JOB)
	const insertItem = prepare(db, `${INSERT_ITEM_HEAD}($1, $2, $3, $4)`)
	const byId = prepare<ReplayJobRow, [string]>(db, JOB_BY_ID)
	const ofEnv = prepare<ReplayJobRow, [string, number]>(db, JOBS_OF_ENV)
	const running = prepare<ReplayJobRow, []>(db, RUNNING)
	const nextItems = prepare<{ seq: number; event_id: string; connection_id: string }, [string, number]>(db, NEXT_ITEMS)
	const insertDelivery = prepare(db, insertDeliveryQuery(SEQ_ORDER, true))
	const setItem = prepare(db, SET_ITEM)
	const bumpJob = prepare(db, BUMP_JOB)
	const progress = prepare<{ state: string | null; skipped: number; n: number }, [string]>(db, PROGRESS)
	const finish = prepare(db, FINISH_JOB)
	const dropNotLeased = prepare(db, dropQueued(` AND id NOT ${idsInSqlite('$2')}`))
	const connections = (envId: string, destinationId: string, connectionId: string | null, sourceId: string | null) => {
		const q = connectionsQuery(envId, destinationId, connectionId, sourceId)
		return prepare<ReplayConnection, SqlValue[]>(db, q.text).all(...q.params)
	}
	const purge = prepare(db, PURGE)

	const create = db.transaction((job: ReplayJobRow, items: { eventId: string; connectionId: string }[]) => {
		insertJob.run(...JOB_COLUMNS.map((c) => job[c]))
		items.forEach((it, seq) => insertItem.run(job.id, seq, it.eventId, it.connectionId))
	})
	const statusOf = prepare<{ status: string; enqueued: number }, [string]>(db, STATUS_OF)
	const enqueue = db.transaction((job: ReplayJobRow, dues: number[], ids: string[], now: number): number => {
		const current = statusOf.get(job.id)
		// Cancelled (or finished) since the runner read it: add nothing.
		if (current?.status !== 'running') return 0
		// Slots filled since the runner read the job (another runner, on PostgreSQL) are not filled twice.
		const skip = Math.max(0, current.enqueued - job.enqueued)
		const items = nextItems.all(job.id, Math.max(0, dues.length - skip))
		items.forEach((it, i) => {
			const id = ids[skip + i] as string
			const added = insertDelivery.run(id, job.org_id, job.env_id, it.event_id, it.connection_id, job.destination_id, dues[skip + i] as number, now).changes > 0
			setItem.run(job.id, it.seq, added ? id : SKIPPED)
		})
		bumpJob.run(job.id, items.length, now)
		return items.length
	})
	const cancel = db.transaction((id: string, now: number): boolean => {
		const changed = finish.run(id, 'cancelled', now, null).changes > 0
		if (changed) dropNotLeased.run(id, idsParam(leases.ids()))
		return changed
	})

	return {
		async connections(envId: string, destinationId: string, connectionId: string | null, sourceId: string | null): Promise<ReplayConnection[]> {
			return connections(envId, destinationId, connectionId, sourceId)
		},
		/** Unique (not duplicate) events of these sources with ids in [fromId, toId), past `afterId`, oldest first, with their bodies. */
		async candidates(envId: string, sourceIds: string[], fromId: string, toId: string, afterId: string, limit: number): Promise<ReplayCandidate[]> {
			return prepare<ReplayCandidate, SqlValue[]>(db, candidatesQuery(SEQ_ORDER, sourceIds.length)).all(envId, fromId, toId, afterId, limit, ...sourceIds)
		},
		async create(job: ReplayJobRow, items: { eventId: string; connectionId: string }[]): Promise<void> {
			create.immediate(job, items)
		},
		async job(id: string): Promise<ReplayJobRow | null> {
			return byId.get(id)
		},
		async list(envId: string, limit: number): Promise<ReplayJobRow[]> {
			return ofEnv.all(envId, limit)
		},
		async running(): Promise<ReplayJobRow[]> {
			return running.all()
		},
		/** Hands the next items to the outbox, due at `dues` (one per item); returns how many were taken. */
		async enqueue(job: ReplayJobRow, dues: number[], deliveryIds: string[], now: number): Promise<number> {
			return enqueue.immediate(job, dues, deliveryIds, now)
		},
		async progress(id: string): Promise<ReplayProgress> {
			const p = { succeeded: 0, failed: 0, skipped: 0 }
			for (const r of progress.all(id)) {
				if (r.skipped === 1 || r.state === null) p.skipped += r.n
				else if (r.state === 'delivered') p.succeeded += r.n
				else if (r.state === 'dead') p.failed += r.n
			}
			return p
		},
		async finish(id: string, status: 'completed' | 'failed', now: number, error: string | null = null): Promise<void> {
			finish.run(id, status, now, error)
		},
		/** Stops a running job and takes back its deliveries not yet tried; false when it was not running. */
		async cancel(id: string, now: number): Promise<boolean> {
			return cancel.immediate(id, now)
		},
		/** Retention: finished jobs (and their items) older than `before`. */
		async purgeFinished(before: number): Promise<number> {
			return purge.run(before).changes
		}
	}
}
