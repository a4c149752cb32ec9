import type { Pg, PgQuery } from '../db/pg/client'
import { valuesList } from '../db/sql'
import { ID_ORDER } from '../events/order-sql'
import type { ReplayCandidate, ReplayConnection, ReplayJobRow, ReplayProgress, ReplayRepo } from './repo'
import {
	BUMP_JOB, candidatesQuery, connectionsQuery, dropQueued, FINISH_JOB, insertDeliveryQuery, INSERT_ITEM_HEAD, INSERT_JOB, JOB_BY_ID, JOB_COLUMNS, JOBS_OF_ENV,
	NEXT_ITEMS, PROGRESS, PURGE, RUNNING, SET_ITEM, SKIPPED, STATUS_OF
} from './repo-sql'

const INSERT_DELIVERY_PG = insertDeliveryQuery(ID_ORDER, false)
const DROP_QUEUED_PG = dropQueued()

/** Items per INSERT (4 parameters each). */
const ITEM_ROWS = 1000

/**
 * Several instances run the replay runner: the job row is locked for the enqueue, and
 * slots another instance filled since this one read the job are not filled twice.
 */
const LOCK_JOB = `${STATUS_OF} FOR UPDATE`

async function enqueueIn(q: PgQuery, job: ReplayJobRow, dues: number[], ids: string[], now: number): Promise<number> {
	const current = await q.get<{ status: string; enqueued: number }>(LOCK_JOB, [job.id])
	// Cancelled (or finished) since the runner read it: add nothing.
	if (current?.status !== 'running') return 0
	const skip = Math.max(0, current.enqueued - job.enqueued)
	const slots = dues.slice(skip)
	if (slots.length === 0) return 0
	const items = await q.all<{ seq: number; event_id: string; connection_id: string }>(NEXT_ITEMS, [job.id, slots.length])
	for (const [i, it] of items.entries()) {
		const id = ids[skip + i] as string
		const added = (await q.run(INSERT_DELIVERY_PG, [id, job.org_id, job.env_id, it.event_id, it.connection_id, job.destination_id, slots[i], now])) > 0
		await q.run(SET_ITEM, [job.id, it.seq, added ? id : SKIPPED])
	}
	await q.run(BUMP_JOB, [job.id, items.length, now])
	return items.length
}

/** The replay repo on PostgreSQL: the same SQL as SQLite's, batched item inserts, a locked enqueue. */
export function createReplayRepoPg(pg: Pg): ReplayRepo {
	return {
		async connections(envId: string, destinationId: string, connectionId: string | null, sourceId: string | null) {
			const q = connectionsQuery(envId, destinationId, connectionId, sourceId)
			return pg.all<ReplayConnection>(q.text, q.params)
		},
		async candidates(envId: string, sourceIds: string[], fromId: string, toId: string, afterId: string, limit: number) {
			return pg.all<ReplayCandidate>(candidatesQuery(ID_ORDER, sourceIds.length), [envId, fromId, toId, afterId, limit, ...sourceIds])
		},
		async create(job: ReplayJobRow, items: { eventId: string; connectionId: string }[]) {
			await pg.tx(async (q) => {
				await q.run(INSERT_JOB, JOB_COLUMNS.map((c) => job[c]))
				for (let i = 0; i < items.length; i += ITEM_ROWS) {
					const chunk = items.slice(i, i + ITEM_ROWS)
					await q.run(INSERT_ITEM_HEAD + valuesList(chunk.length, 4), chunk.flatMap((it, k) => [job.id, i + k, it.eventId, it.connectionId]))
				}
			})
		},
		async job(id: string) {
			return pg.get<ReplayJobRow>(JOB_BY_ID, [id])
		},
		async list(envId: string, limit: number) {
			return pg.all<ReplayJobRow>(JOBS_OF_ENV, [envId, limit])
		},
		async running() {
			return pg.all<ReplayJobRow>(RUNNING)
		},
		async enqueue(job: ReplayJobRow, dues: number[], deliveryIds: string[], now: number) {
			return pg.tx((q) => enqueueIn(q, job, dues, deliveryIds, now))
		},
		async progress(id: string) {
			const p: ReplayProgress = { succeeded: 0, failed: 0, skipped: 0 }
			for (const r of await pg.all<{ state: string | null; skipped: number; n: number }>(PROGRESS, [id])) {
				if (r.skipped === 1 || r.state === null) p.skipped += r.n
				else if (r.state === 'delivered') p.succeeded += r.n
				else if (r.state === 'dead') p.failed += r.n
			}
			return p
		},
		async finish(id: string, status: 'completed' | 'failed', now: number, error: string | null = null) {
			await pg.run(FINISH_JOB, [id, status, now, error])
		},
		async cancel(id: string, now: number) {
			return pg.tx(async (q) => {
				const changed = (await q.run(FINISH_JOB, [id, 'cancelled', now, null])) > 0
				if (changed) await q.run(DROP_QUEUED_PG, [id])
				return changed
			})
		},
		async purgeFinished(before: number) {
			return pg.run(PURGE, [before])
		}
	}
}
