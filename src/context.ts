import { ApiKeyService } from './auth/service'
import type { Config } from './config'
import { openStore, type Store } from './db/open'
import { GroupCommitter } from './db/write'
import type { PendingEvent } from './events/repo'
import { RetentionSweeper } from './events/retention'
import { EventsService } from './events/service'
import { ClientIpResolver } from './ingest/client-ip'
import { IngestService } from './ingest/service'
import { SourceCache } from './ingest/source-cache'
import { type Clock, systemClock } from './lib/clock'
import { SecretBox } from './lib/crypto'
import { loadEncryptionKey } from './lib/keyfile'
import { type Logger, silentLogger } from './lib/log'
import { SourcesService } from './sources/service'

/** Everything a running hookstream needs, built once from the resolved config. */
export interface AppContext {
	config: Readonly<Config>
	clock: Clock
	log: Logger
	store: Store
	keys: ApiKeyService
	sources: SourcesService
	ingest: IngestService
	events: EventsService
	retention: RetentionSweeper
	/** Waits for queued event writes to commit (graceful stop). */
	drainWrites(): Promise<void>
	close(): Promise<void>
}

export function createContext(config: Readonly<Config>, opts: { clock?: Clock; log?: Logger } = {}): AppContext {
	const clock = opts.clock ?? systemClock
	const log = opts.log ?? silentLogger
	const store = openStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous, migrate: true })
	const secrets = new SecretBox(loadEncryptionKey(config.encryptionKey, config.dataDir))
	const keys = new ApiKeyService(store.apiKeys, store.tenancy, clock)
	const sources = new SourcesService(store.sources, secrets, clock, { maxSources: config.maxSources })
	const cache = new SourceCache(store.sources, secrets)
	sources.onChange((id) => cache.invalidate(id))
	const committer = new GroupCommitter<PendingEvent>((batch) => store.events.insertBatch(batch))
	const ingest = new IngestService(cache, committer, new ClientIpResolver(config.trustedProxies), clock)
	const events = new EventsService(store.events)
	const retention = new RetentionSweeper(store.events, clock, log, { retentionDays: config.retentionDays })
	return {
		config, clock, log, store, keys, sources, ingest, events, retention,
		drainWrites: () => committer.drain(),
		async close() {
			await retention.stop()
			await committer.drain()
			await keys.flushUsage()
			store.checkpoint()
			store.close()
			log.flush()
		}
	}
}
