import schema from './migrations/0001_schema.sql' with { type: 'text' }
import destinationLeases from './migrations/0002_destination_leases.sql' with { type: 'text' }
import jobTicks from './migrations/0003_job_ticks.sql' with { type: 'text' }
import eventDeliveryStatus from './migrations/0004_event_delivery_status.sql' with { type: 'text' }
import sourceCounters from './migrations/0006_source_counters.sql' with { type: 'text' }
import deliveriesQueueIndex from './migrations/0007_deliveries_queue_index.sql' with { type: 'text' }
import derivedEventStatus from './migrations/0008_derived_event_status.sql' with { type: 'text' }
import type { Pg } from './client'

/**
 * PostgreSQL's migrations, forward-only like SQLite's (src/db/migrate.ts). Version 1
 * is SQLite's 0001–0011 as one schema; every later change adds a file to both lists.
 */
export const PG_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
	{ version: 1, name: 'schema', sql: schema },
	{ version: 2, name: 'destination_leases', sql: destinationLeases },
	{ version: 3, name: 'job_ticks', sql: jobTicks },
	{ version: 4, name: 'event_delivery_status', sql: eventDeliveryStatus },
	{ version: 6, name: 'source_counters', sql: sourceCounters },
	{ version: 7, name: 'deliveries_queue_index', sql: deliveriesQueueIndex },
	{ version: 8, name: 'derived_event_status', sql: derivedEventStatus }
]

/** Any 64-bit constant: serializes migrations when several instances start at once. */
export const MIGRATION_LOCK = 0x68736d67

/** Applies pending migrations, each in its own transaction, under a cluster-wide lock. */
export async function migratePg(pg: Pg, now: number = Date.now()): Promise<number> {
	return pg.tx(async (q) => {
		await q.run('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
		await q.run('CREATE TABLE IF NOT EXISTS _migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)')
		const done = new Set((await q.all<{ version: number }>('SELECT version FROM _migrations')).map((r) => r.version))
		let applied = 0
		for (const m of PG_MIGRATIONS) {
			if (done.has(m.version)) continue
			await q.run(m.sql)
			await q.run('INSERT INTO _migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now])
			applied++
		}
		return applied
	})
}

/** True when every shipped migration is recorded (readiness check). */
export async function isMigratedPg(pg: Pg): Promise<boolean> {
	const row = await pg.get<{ n: number }>('SELECT COUNT(*) AS n FROM _migrations')
	return (row?.n ?? 0) >= PG_MIGRATIONS.length
}
