import type { Database } from 'bun:sqlite'
import { createAccountsRepo } from './accounts/repo'
import { createApiKeysRepo } from './auth/repo'
import { createAttemptsRepo } from './attempts/repo'
import { createConnectionsRepo } from './connections/repo'
import { isMigrated } from './db/migrate'
import { type OpenOptions, openDatabase } from './db/open'
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
	/** The raw handle, for Better Auth only: it runs its own queries (users, sessions) through it. */
	authDb: Database
	live: ReturnType<typeof createLiveRepo>
	sessions: ReturnType<typeof createSessionsRepo>
	/** Readiness: the database answers and every migration is applied. */
	ready(): Promise<boolean>
	/** Folds the WAL back into the main file (clean shutdown). */
	checkpoint(): void
	close(): void
}

/** Builds every repo over the API's database handle (SQLite today; the PostgreSQL store goes beside it). */
export function openStore(opts: OpenOptions): Store {
	const db = openDatabase(opts)
	return {
		tenancy: createTenancyRepo(db),
		apiKeys: createApiKeysRepo(db),
		sources: createSourcesRepo(db),
		destinations: createDestinationsRepo(db),
		connections: createConnectionsRepo(db),
		deliveries: createDeliveryRepo(db),
		attempts: createAttemptsRepo(db),
		issues: createIssuesRepo(db),
		events: { ...createEventsRepo(db), ...createEventQueries(db) },
		accounts: createAccountsRepo(db),
		metrics: createMetricsRepo(db),
		alerts: createAlertsRepo(db),
		signals: createSignalsRepo(db),
		replay: createReplayRepo(db),
		authDb: db,
		live: createLiveRepo(db),
		sessions: createSessionsRepo(db),
		async ready() {
			try {
				return isMigrated(db)
			} catch {
				return false
			}
		},
		checkpoint() {
			db.run('PRAGMA wal_checkpoint(TRUNCATE)')
		},
		close() {
			db.close()
		}
	}
}
