import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createAccountsRepo } from '../accounts/repo'
import { createApiKeysRepo } from '../auth/repo'
import { createAttemptsRepo } from '../attempts/repo'
import { createConnectionsRepo } from '../connections/repo'
import { createDeliveryRepo } from '../delivery/repo'
import { createIssuesRepo } from '../issues/repo'
import { createDestinationsRepo } from '../destinations/repo'
import { createEventsRepo } from '../events/repo'
import { createSourcesRepo } from '../sources/repo'
import { createTenancyRepo } from '../tenancy/repo'
import { isMigrated, migrate } from './migrate'

export const DB_FILE = 'hookstream.db'

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
	events: ReturnType<typeof createEventsRepo>
	accounts: ReturnType<typeof createAccountsRepo>
	/** The raw handle, for Better Auth only: it runs its own queries (users, sessions) through it. */
	authDb: Database
	/** Readiness: the database answers and every migration is applied. */
	ready(): Promise<boolean>
	/** Folds the WAL back into the main file (clean shutdown). */
	checkpoint(): void
	close(): void
}

export interface OpenOptions {
	dataDir: string
	synchronous: 'NORMAL' | 'FULL'
	/** Apply pending migrations (serve does; CLI one-shots do too so they work on a fresh dir). */
	migrate: boolean
}

/** Opens a handle with the pragmas the storage rules require (the API's, or the event writer's). */
export function openDatabase(opts: OpenOptions): Database {
	mkdirSync(opts.dataDir, { recursive: true })
	const db = new Database(join(opts.dataDir, DB_FILE), { create: true, strict: true })
	// busy_timeout first: a CLI next to a running server must wait for the write lock, not fail.
	db.run('PRAGMA busy_timeout = 5000')
	db.run('PRAGMA journal_mode = WAL')
	db.run(`PRAGMA synchronous = ${opts.synchronous}`)
	db.run('PRAGMA foreign_keys = ON')
	if (opts.migrate) migrate(db)
	return db
}

/** Every repo over the API's database handle. */
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
		events: createEventsRepo(db),
		accounts: createAccountsRepo(db),
		authDb: db,
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
