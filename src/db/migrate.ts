import type { Database } from 'bun:sqlite'
import init from './migrations/0001_init.sql' with { type: 'text' }
import events from './migrations/0002_events.sql' with { type: 'text' }
import delivery from './migrations/0003_delivery.sql' with { type: 'text' }
import eventTotals from './migrations/0004_event_totals.sql' with { type: 'text' }
import accounts from './migrations/0005_accounts.sql' with { type: 'text' }
import testSessions from './migrations/0006_test_sessions.sql' with { type: 'text' }
import metrics from './migrations/0007_metrics.sql' with { type: 'text' }
import alerts from './migrations/0008_alerts.sql' with { type: 'text' }
import replay from './migrations/0009_replay.sql' with { type: 'text' }
import sourceRateLimit from './migrations/0010_source_rate_limit.sql' with { type: 'text' }
import deliveryQueueIndexes from './migrations/0011_delivery_queue_indexes.sql' with { type: 'text' }
import destinationLeases from './migrations/0012_destination_leases.sql' with { type: 'text' }
import jobTicks from './migrations/0013_job_ticks.sql' with { type: 'text' }
import eventsListIndexes from './migrations/0014_events_list_indexes.sql' with { type: 'text' }
import eventDeliveryStatus from './migrations/0015_event_delivery_status.sql' with { type: 'text' }
import attemptsIndexes from './migrations/0016_attempts_indexes.sql' with { type: 'text' }
import sourceCounters from './migrations/0017_source_counters.sql' with { type: 'text' }
import eventsListKeys from './migrations/0018_events_list_keys.sql' with { type: 'text' }
import dedupLog from './migrations/0019_dedup_log.sql' with { type: 'text' }
import deliveriesQueueIndex from './migrations/0020_deliveries_queue_index.sql' with { type: 'text' }
import derivedEventStatus from './migrations/0021_derived_event_status.sql' with { type: 'text' }
import eventsSeq from './migrations/0022_events_seq.sql' with { type: 'text' }
import deliveriesEventSeq from './migrations/0023_deliveries_event_seq.sql' with { type: 'text' }
import attemptsSeq from './migrations/0024_attempts_seq.sql' with { type: 'text' }

/** Ordered, forward-only; shipped inside the binary as text imports. */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
	{ version: 1, name: 'init', sql: init },
	{ version: 2, name: 'events', sql: events },
	{ version: 3, name: 'delivery', sql: delivery },
	{ version: 4, name: 'event_totals', sql: eventTotals },
	{ version: 5, name: 'accounts', sql: accounts },
	{ version: 6, name: 'test_sessions', sql: testSessions },
	{ version: 7, name: 'metrics', sql: metrics },
	{ version: 8, name: 'alerts', sql: alerts },
	{ version: 9, name: 'replay', sql: replay },
	{ version: 10, name: 'source_rate_limit', sql: sourceRateLimit },
	{ version: 11, name: 'delivery_queue_indexes', sql: deliveryQueueIndexes },
	{ version: 12, name: 'destination_leases', sql: destinationLeases },
	{ version: 13, name: 'job_ticks', sql: jobTicks },
	{ version: 14, name: 'events_list_indexes', sql: eventsListIndexes },
	{ version: 15, name: 'event_delivery_status', sql: eventDeliveryStatus },
	{ version: 16, name: 'attempts_indexes', sql: attemptsIndexes },
	{ version: 17, name: 'source_counters', sql: sourceCounters },
	{ version: 18, name: 'events_list_keys', sql: eventsListKeys },
	{ version: 19, name: 'dedup_log', sql: dedupLog },
	{ version: 20, name: 'deliveries_queue_index', sql: deliveriesQueueIndex },
	{ version: 21, name: 'derived_event_status', sql: derivedEventStatus },
	{ version: 22, name: 'events_seq', sql: eventsSeq },
	{ version: 23, name: 'deliveries_event_seq', sql: deliveriesEventSeq },
	{ version: 24, name: 'attempts_seq', sql: attemptsSeq }
]

/** Applies pending migrations, each in its own immediate transaction. Safe to run from two processes. */
export function migrate(db: Database, now: number = Date.now()): number {
	db.run('CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)')
	let applied = 0
	for (const m of MIGRATIONS) {
		const apply = db.transaction(() => {
			const done = db.query('SELECT 1 FROM _migrations WHERE version = ?1').get(m.version)
			if (done) return false
			db.run(m.sql)
			db.query('INSERT INTO _migrations (version, name, applied_at) VALUES (?1, ?2, ?3)').run(m.version, m.name, now)
			return true
		})
		if (apply.immediate()) applied++
	}
	// A migration may rewrite a whole table (18 rewrites every event row) into the WAL: fold it back into
	// the file before serving, instead of keeping a WAL the table's size on disk until the next restart.
	if (applied > 0) db.run('PRAGMA wal_checkpoint(TRUNCATE)')
	return applied
}

/** True when every shipped migration is recorded (readiness check). */
export function isMigrated(db: Database): boolean {
	const row = db.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM _migrations').get()
	return (row?.n ?? 0) >= MIGRATIONS.length
}
