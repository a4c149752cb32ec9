import { createAttemptsRepoPg } from './attempts/repo-pg'
import { createAccountsRepoPg } from './accounts/repo-pg'
import { connectPg, redactUrl } from './db/pg/client'
import { isMigratedPg, migratePg } from './db/pg/migrate'
import { createEventQueriesPg } from './events/queries-pg'
import { createEventsRepoPg } from './events/repo-pg'
import { createIssuesRepoPg } from './issues/repo-pg'
import { createLiveRepoPg } from './live/repo-pg'
import type { Store } from './store'
import { createDeliveryRepoPg } from './delivery/repo-pg'
import { createReplayRepoPg } from './replay/repo-pg'
import { createConnectionsRepoPg } from './connections/repo-pg'
import { createDestinationsRepoPg } from './destinations/repo-pg'
import { createSessionsRepoPg } from './sessions/repo-pg'
import { createSourcesRepoPg } from './sources/repo-pg'
import { createApiKeysRepoPg } from './auth/repo-pg'
import { createTenancyRepoPg } from './tenancy/repo-pg'
import { createMetricsRepoPg } from './metrics/repo-pg'
import { createAlertsRepoPg } from './alerts/repo-pg'
import { createSignalsRepoPg } from './alerts/repo-signals-pg'
import { createClusterRepoPg } from './cluster/repo-pg'

/** Builds every repo over one PostgreSQL pool (Bun.SQL); migrations run first unless told not to. */
export async function openPgStore(url: string, opts: { migrate: boolean; poolSize?: number }): Promise<Store> {
	const pg = connectPg(url, { max: opts.poolSize })
	try {
		await pg.run('SELECT 1')
		if (opts.migrate) await migratePg(pg)
	} catch (err) {
		await pg.close().catch(() => {})
		throw new Error(`PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`)
	}
	return {
		tenancy: createTenancyRepoPg(pg),
		apiKeys: createApiKeysRepoPg(pg),
		sources: createSourcesRepoPg(pg),
		destinations: createDestinationsRepoPg(pg),
		connections: createConnectionsRepoPg(pg),
		deliveries: createDeliveryRepoPg(pg),
		attempts: createAttemptsRepoPg(pg),
		issues: createIssuesRepoPg(pg),
		events: { ...createEventsRepoPg(pg), ...createEventQueriesPg(pg) },
		accounts: createAccountsRepoPg(pg),
		metrics: createMetricsRepoPg(pg),
		alerts: createAlertsRepoPg(pg),
		signals: createSignalsRepoPg(pg),
		replay: createReplayRepoPg(pg),
		live: createLiveRepoPg(pg),
		sessions: createSessionsRepoPg(pg),
		cluster: createClusterRepoPg(pg),
		backend: { kind: 'postgres', pg },
		async ready() {
			try {
				return await isMigratedPg(pg)
			} catch {
				return false
			}
		},
		checkpointInBackground: () => null,
		async checkpoint() {},
		async close() {
			await pg.close()
		}
	}
}
