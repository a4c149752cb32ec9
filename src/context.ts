import { ApiKeyService } from './auth/service'
import type { Config } from './config'
import { openStore, type Store } from './db/open'
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
	close(): Promise<void>
}

export function createContext(config: Readonly<Config>, opts: { clock?: Clock; log?: Logger } = {}): AppContext {
	const clock = opts.clock ?? systemClock
	const log = opts.log ?? silentLogger
	const store = openStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous, migrate: true })
	const secrets = new SecretBox(loadEncryptionKey(config.encryptionKey, config.dataDir))
	const keys = new ApiKeyService(store.apiKeys, store.tenancy, clock)
	const sources = new SourcesService(store.sources, secrets, clock, { maxSources: config.maxSources })
	return {
		config, clock, log, store, keys, sources,
		async close() {
			await keys.flushUsage()
			store.checkpoint()
			store.close()
			log.flush()
		}
	}
}
