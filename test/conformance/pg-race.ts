import type { Pg } from '../../src/db/pg/client'
import { LOCK_SOURCES } from '../../src/events/repo-pg'
import { newId } from '../../src/lib/ids'
import type { SourceRow } from '../../src/sources/repo'

/**
 * An ingest batch caught mid-transaction on PostgreSQL, as events/repo-pg.ts writes one: it
 * has locked its source row (LOCK_SOURCES) and writes the event only when
 * released. For tests of what must wait for it.
 */
export async function holdIngestBatch(pg: Pg, src: SourceRow, receivedAt: number): Promise<{ eventId: string; release(): Promise<void> }> {
	const eventId = newId('evt')
	let release = () => {}
	const released = new Promise<void>((r) => { release = r })
	let locked = () => {}
	const holding = new Promise<void>((r) => { locked = r })
	const batch = pg.tx(async (q) => {
		await q.all(LOCK_SOURCES, [[src.id]])
		locked()
		await released
		await q.run(
			`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
			 VALUES ($1, $2, $3, $4, 'POST', '{}', 0, 'skipped', 'unique', 'received', $5)`,
			[eventId, src.org_id, src.env_id, src.id, receivedAt]
		)
	})
	await holding
	return {
		eventId,
		async release() {
			release()
			await batch
		}
	}
}

/**
 * A transaction caught mid-way: `statements` have run in it (their row locks held) and it
 * commits only when released. For tests of what must wait for such a writer.
 */
export async function holdTransaction(pg: Pg, statements: [sql: string, params: unknown[]][]): Promise<{ release(): Promise<void> }> {
	let release = () => {}
	const released = new Promise<void>((r) => { release = r })
	let held = () => {}
	const holding = new Promise<void>((r) => { held = r })
	const tx = pg.tx(async (q) => {
		for (const [sql, params] of statements) await q.run(sql, params)
		held()
		await released
	})
	// A statement that fails ends the wait with its error instead of leaving it pending.
	await Promise.race([holding, tx])
	return {
		async release() {
			release()
			await tx
		}
	}
}

/**
 * Resolves once `sessions` sessions of this database (one by default) wait for a lock (polled;
 * fails after 2 s), or as soon as `stop` is aborted (a race the test has decided otherwise).
 */
export async function untilWaitingForLock(pg: Pg, sessions = 1, stop?: AbortSignal): Promise<void> {
	for (let i = 0; i < 200; i++) {
		if (stop?.aborted) return
		const row = await pg.get<{ n: number }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
		if ((row?.n ?? 0) >= sessions) return
		await Bun.sleep(10)
	}
	throw new Error('nothing waited for the held batch')
}
