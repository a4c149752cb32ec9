import type { Database } from 'bun:sqlite'
import { prepare, type SqlValue } from '../db/sql'

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

const JOB_COLUMNS = [
	'id', 'org_id', 'env_id', 'destination_id', 'source_id', 'connection_id', 'filter', 'from_at', 'to_at', 'rate_limit', 'max_events', 'status', 'total',
	'enqueued', 'error', 'started_at', 'completed_at', 'created_at', 'updated_at'
] as const

/** Marks an item whose connection or destination was deleted before its turn. */
const SKIPPED = 'skipped'

export type ReplayRepo = ReturnType<typeof createReplayRepo>

/** Replay jobs and the outbox rows they add (trigger_type 'replay'): the delivery pipeline does the rest. */
export function createReplayRepo(db: Database) {
	const insertJob = prepare(db, `INSERT INTO replay_jobs (${JOB_COLUMNS.join(', ')}) VALUES (${JOB_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`)
	const insertItem = prepare(db, 'INSERT INTO replay_items (job_id, seq, event_id, connection_id) VALUES ($1, $2, $3, $4)')
	const byId = prepare<ReplayJobRow, [string]>(db, 'SELECT * FROM replay_jobs WHERE id = $1')
	const ofEnv = prepare<ReplayJobRow, [string, number]>(db, 'SELECT * FROM replay_jobs WHERE env_id = $1 ORDER BY id DESC LIMIT $2')
	const running = prepare<ReplayJobRow, []>(db, "SELECT * FROM replay_jobs WHERE status = 'running' ORDER BY id")
	const nextItems = prepare<{ seq: number; event_id: string; connection_id: string }, [string, number]>(db,
		'SELECT seq, event_id, connection_id FROM replay_items WHERE job_id = $1 AND delivery_id IS NULL ORDER BY seq LIMIT $2')
	const insertDelivery = prepare(db, `INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at)
		SELECT $1, $2, $3, $4, $5, $6, 'queued', 0, $7, 'replay', $8, $8
		WHERE EXISTS (SELECT 1 FROM connections WHERE id = $5) AND EXISTS (SELECT 1 FROM destinations WHERE id = $6) AND EXISTS (SELECT 1 FROM events WHERE id = $4)`)
	const setItem = prepare(db, 'UPDATE replay_items SET delivery_id = $3 WHERE job_id = $1 AND seq = $2')
	const bumpJob = prepare(db, 'UPDATE replay_jobs SET enqueued = enqueued + $2, updated_at = $3 WHERE id = $1')
	const progress = prepare<{ state: string | null; skipped: number; n: number }, [string]>(db, `SELECT d.state AS state, CASE WHEN i.delivery_id = '${SKIPPED}' THEN 1 ELSE 0 END AS skipped, COUNT(*) AS n
		FROM replay_items i LEFT JOIN deliveries d ON d.id = i.delivery_id WHERE i.job_id = $1 AND i.delivery_id IS NOT NULL GROUP BY d.state, CASE WHEN i.delivery_id = '${SKIPPED}' THEN 1 ELSE 0 END`)
	const finish = prepare(db, 'UPDATE replay_jobs SET status = $2, completed_at = $3, error = $4, updated_at = $3 WHERE id = $1 AND status = \'running\'')
	const dropQueued = prepare(db, `DELETE FROM deliveries WHERE state = 'queued' AND attempts = 0 AND trigger_type = 'replay'
		AND id IN (SELECT delivery_id FROM replay_items WHERE job_id = $1 AND delivery_id IS NOT NULL)`)
	const connections = (envId: string, destinationId: string, connectionId: string | null, sourceId: string | null) =>
		prepare<ReplayConnection, SqlValue[]>(db, `SELECT id, source_id, filter_rules FROM connections WHERE env_id = $1 AND destination_id = $2${connectionId ? ' AND id = $3' : ''}${sourceId ? ` AND source_id = $${connectionId ? 4 : 3}` : ''} ORDER BY id`)
			.all(...([envId, destinationId, connectionId, sourceId].filter((v) => v !== null) as SqlValue[]))
	const purge = prepare(db, "DELETE FROM replay_jobs WHERE status <> 'running' AND completed_at < $1")

	const create = db.transaction((job: ReplayJobRow, items: { eventId: string; connectionId: string }[]) => {
		insertJob.run(...JOB_COLUMNS.map((c) => job[c]))
		items.forEach((it, seq) => insertItem.run(job.id, seq, it.eventId, it.connectionId))
	})
	const statusOf = prepare<{ status: string }, [string]>(db, 'SELECT status FROM replay_jobs WHERE id = $1')
	const enqueue = db.transaction((job: ReplayJobRow, dues: number[], ids: string[], now: number): number => {
		// Cancelled (or finished) since the runner read it: add nothing.
		if (statusOf.get(job.id)?.status !== 'running') return 0
		const items = nextItems.all(job.id, dues.length)
		items.forEach((it, i) => {
			const id = ids[i] as string
			const added = insertDelivery.run(id, job.org_id, job.env_id, it.event_id, it.connection_id, job.destination_id, dues[i] as number, now).changes > 0
			setItem.run(job.id, it.seq, added ? id : SKIPPED)
		})
		bumpJob.run(job.id, items.length, now)
		return items.length
	})
	const cancel = db.transaction((id: string, now: number): boolean => {
		const changed = finish.run(id, 'cancelled', now, null).changes > 0
		if (changed) dropQueued.run(id)
		return changed
	})

	return {
		async connections(envId: string, destinationId: string, connectionId: string | null, sourceId: string | null): Promise<ReplayConnection[]> {
			return connections(envId, destinationId, connectionId, sourceId)
		},
		/** Unique (not duplicate) events of these sources with ids in [fromId, toId), past `afterId`, oldest first, with their bodies. */
		async candidates(envId: string, sourceIds: string[], fromId: string, toId: string, afterId: string, limit: number): Promise<ReplayCandidate[]> {
			const list = sourceIds.map((_, i) => `$${i + 6}`).join(', ')
			return prepare<ReplayCandidate, SqlValue[]>(db, `SELECT e.id, e.source_id, e.headers, e.method, e.content_type, e.source_ip, COALESCE(e.payload_inline, p.body) AS body
				FROM events e LEFT JOIN event_payloads p ON p.event_id = e.id
				WHERE e.env_id = $1 AND e.id >= $2 AND e.id < $3 AND e.id > $4 AND e.dedup_status <> 'duplicate' AND e.source_id IN (${list})
				ORDER BY e.id LIMIT $5`).all(envId, fromId, toId, afterId, limit, ...sourceIds)
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
