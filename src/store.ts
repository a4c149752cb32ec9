import type { Database } from 'bun:sqlite'
import { createAccountsRepo } from './accounts/repo'
import { createApiKeysRepo } from './auth/repo'
import { createAttemptsRepo } from './attempts/repo'
import { createConnectionsRepo } from './connections/repo'
import { Checkpointer, type CheckpointerOptions } from './db/checkpointer'
import { isMigrated } from './db/migrate'
import { type OpenOptions, openDatabase } from './db/open'
import { leasesOf } from './delivery/memory-leases'
import { createDeliveryRepo } from './delivery/repo'
import { createDestinationsRepo } from './destinations/repo'
import { createEventQueries } from './events/queries'
import { createEventsRepo, type EventsRepo } from './events/repo'
import { createIssuesRepo } from './issues/repo'
import { createLiveRepo } from './live/repo'
import { createSessionsRepo } from './sessions/repo'
import { createMetricsRepo } from './metrics/repo'
import { createAlertsRepo } from './alerts/repo'
import { createSignalsRepo } from './alerts/repo-signals'
import { createReplayRepo } from './replay/repo'
import { createSourcesRepo } from './sources/repo'
import { createTenancyRepo } from './tenancy/repo'
import { createClusterRepo } from './cluster/repo'
import type { Pg } from './db/pg/client'
import type { Logger } from './lib/log'
import { openPgStore } from './store-pg'

/** Every repo over one database handle. Domain code only ever sees this. */
export interface Store {
	tenancy: ReturnType<typeof createTenancyRepo>
	apiKeys: ReturnType<typeof createApiKeysRepo>
	sources: ReturnType<typeof createSourcesRepo>
	destinations: ReturnType<typeof createDestinationsRepo>
	connections: ReturnType<typeof createConnectionsRepo>
	deliveries: ReturnType<typeof createDeliveryRepo>
	attempts: ReturnType<typeof createAttemptsRepo>
	issues: ReturnType<typeof createIssuesRepo>
	events: EventsRepo
	accounts: ReturnType<typeof createAccountsRepo>
	metrics: ReturnType<typeof createMetricsRepo>
	alerts: ReturnType<typeof createAlertsRepo>
	signals: ReturnType<typeof createSignalsRepo>
	replay: ReturnType<typeof createReplayRepo>
	/** Coordination of several instances on one database (periodic job ticks). */
	cluster: ReturnType<typeof createClusterRepo>
	/** The database underneath, for Better Auth (it runs its own queries), the exporter and tests only. */
	backend: Backend
	live: ReturnType<typeof createLiveRepo>
	sessions: ReturnType<typeof createSessionsRepo>
	/** Readiness: the database answers and every migration is applied. */
	ready(): Promise<boolean>
	/**
	 * SQLite: from now on the WAL is checkpointed on a thread of its own (src/db/checkpointer.ts),
	 * not inside whichever transaction crosses the autocheckpoint; the server calls it when it
	 * starts its background work. Nothing on PostgreSQL (null).
	 */
	checkpointInBackground(log: Logger, opts?: CheckpointerOptions): Checkpointer | null
	/** Folds SQLite's WAL back into the main file (clean shutdown); nothing on PostgreSQL. */
	checkpoint(): Promise<void>
	close(): Promise<void>
}

export type Backend = { kind: 'sqlite'; db: Database } | { kind: 'postgres'; pg: Pg }

export interface StoreOptions extends OpenOptions {
	/** postgres://… selects PostgreSQL (src/store-pg.ts); null keeps SQLite in the data dir. */
	databaseUrl: string | null
	/** PostgreSQL pool size per instance (default 10). */
	poolSize?: number
}

/** SQLite in the data dir, or PostgreSQL when a database URL is configured. */
export async function openStore(opts: StoreOptions): Promise<Store> {
	if (opts.databaseUrl) return openPgStore(opts.databaseUrl, { migrate: opts.migrate, poolSize: opts.poolSize })
	return openSqliteStore(opts)
}

/** Builds every repo over one SQLite handle. */
export function openSqliteStore(opts: OpenOptions): Store {
	const db = openDatabase(opts)
	// The delivery leases, held in memory on SQLite: their rows stay queued in storage, so the queue
	// gauges and a replay's cancel tell them apart by these.
	const { leases, release: releaseLeases } = leasesOf(db.filename)
	let checkpointer: Checkpointer | null = null
	return {
		tenancy: createTenancyRepo(db),
		apiKeys: createApiKeysRepo(db),
		sources: createSourcesRepo(db),
		destinations: createDestinationsRepo(db),
		connections: createConnectionsRepo(db),
		deliveries: createDeliveryRepo(db, leases),
		attempts: createAttemptsRepo(db),
		issues: createIssuesRepo(db),
		events: { ...createEventsRepo(db), ...createEventQueries(db) },
		accounts: createAccountsRepo(db),
		metrics: createMetricsRepo(db, leases),
		alerts: createAlertsRepo(db),
		signals: createSignalsRepo(db),
		replay: createReplayRepo(db, leases),
		cluster: createClusterRepo(db),
		backend: { kind: 'sqlite', db },
		live: createLiveRepo(db),
		sessions: createSessionsRepo(db),
		async ready() {
			try {
				return isMigrated(db)
			} catch {
				return false
			}
		},
		checkpointInBackground(log, options) {
			checkpointer ??= new Checkpointer(db, opts.synchronous, log, options)
			checkpointer.start()
			return checkpointer
		},
		async checkpoint() {
			// The thread's connection is closed first: TRUNCATE needs the WAL to itself.
			await checkpointer?.stop()
			db.run('PRAGMA wal_checkpoint(TRUNCATE)')
		},
		async close() {
			try {
				await checkpointer?.stop()
				db.close()
			} finally {
				releaseLeases()
			}
		}
	}
}

/** The SQLite handle under a store (tests and tools that read SQLite directly); throws on PostgreSQL. */
export function sqliteOf(store: Store): Database {
	if (store.backend.kind !== 'sqlite') throw new Error('this needs the SQLite backend')
	return store.backend.db
}
