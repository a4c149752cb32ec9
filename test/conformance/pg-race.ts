import type { Pg } from '../../src/db/pg/client'
import { LOCK_SOURCES } from '../../src/events/repo-pg'
import { newId } from '../../src/lib/ids'
import type { SourceRow } from '../../src/sources/repo'
import { until } from '../support/poll'

type Statements = [sql: string, params: unknown[]][]

/**
 * A transaction caught mid-way: `statements` have run in it (their row locks held), and once
 * released it runs `afterRelease` and commits. For tests of what must wait for such a writer.
 * A statement that fails before the hold ends the wait with its error instead of leaving it pending.
 */
export async function holdTransaction(pg: Pg, statements: Statements, afterRelease: Statements = []): Promise<{ release(): Promise<void> }> {
	let release = () => {}
	const released = new Promise<void>((r) => { release = r })
	let held = () => {}
	const holding = new Promise<void>((r) => { held = r })
	const tx = pg.tx(async (q) => {
		for (const [sql, params] of statements) await q.run(sql, params)
		held()
		await released
		for (const [sql, params] of afterRelease) await q.run(sql, params)
	})
	await Promise.race([holding, tx])
	return {
		async release() {
			release()
			await tx
		}
	}
}

/**
 * An ingest batch caught mid-transaction on PostgreSQL, as events/repo-pg.ts writes one: it
 * has locked its source row (LOCK_SOURCES) and writes the event only when released. For tests
 * of what must wait for it.
 */
export async function holdIngestBatch(pg: Pg, src: SourceRow, receivedAt: number): Promise<{ eventId: string; release(): Promise<void> }> {
	const eventId = newId('evt')
	const held = await holdTransaction(pg, [[LOCK_SOURCES, [[src.id]]]], [[
		`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
		 VALUES ($1, $2, $3, $4, 'POST', '{}', 0, 'skipped', 'unique', 'received', $5)`,
		[eventId, src.org_id, src.env_id, src.id, receivedAt]
	]])
	return { eventId, release: held.release }
}

/**
 * Resolves once `sessions` sessions of this database (one by default) wait for a lock (fails
 * after 2 s), or as soon as `stop` is aborted (a race the test has decided otherwise).
 */
export async function untilWaitingForLock(pg: Pg, sessions = 1, stop?: AbortSignal): Promise<void> {
	await until(async () => {
		if (stop?.aborted) return true
		const row = await pg.get<{ n: number }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
		return (row?.n ?? 0) >= sessions
	}, { what: `${sessions} session(s) waiting for a lock behind the held transaction`, timeoutMs: 2_000 })
}
