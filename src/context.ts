import { type Accounts, createAccounts } from './accounts'
import { ApiKeyService } from './auth/service'
import type { Config } from './config'
import { ConnectionsService } from './connections/service'
import { openStore, type Store } from './store'
import { DestinationsService } from './destinations/service'
import { GroupCommitter } from './db/write'
import { AttemptsService } from './attempts/service'
import { Circuits } from './delivery/circuits'
import { RetryService } from './delivery/retries'
import { DeliveryWorker } from './delivery/worker'
import { Providers } from './delivery/providers'
import { IssuesService } from './issues/service'
import { RouteCache } from './routing/route-cache'
import type { PendingEvent } from './events/repo'
import { RetentionSweeper } from './events/retention'
import { JobTicks } from './cluster/ticks'
import { EventsService } from './events/service'
import { EnvironmentsService } from './environments/service'
import { ClientIpResolver } from './ingest/client-ip'
import { fetchText, guardedGet, type RemoteGet } from './ingest/remote'
import { type Resolver, systemResolver } from './delivery/ssrf'
import { IngestService } from './ingest/service'
import { SourceCache } from './ingest/source-cache'
import { type Clock, systemClock } from './lib/clock'
import { SecretBox } from './lib/crypto'
import { loadEncryptionKey } from './lib/keyfile'
import { type Logger, silentLogger } from './lib/log'
import { SourcesService } from './sources/service'
import { LiveHub } from './live/hub'
import { principalRecheck } from './live/principal'
import { TestSessionsService } from './sessions/service'
import { createOps, type Ops } from './ops'
import { type ClusterBus, createLocalBus, createPgBus } from './cluster/bus'
import { type SharedChangeFeeds, shareChanges } from './cluster/changes'
import { type Cluster, createCluster } from './cluster/cluster'

/** Everything a running hookstream needs, built once from the resolved config. */
export interface AppContext {
	config: Readonly<Config>
	clock: Clock
	log: Logger
	store: Store
	keys: ApiKeyService
	sources: SourcesService
	destinations: DestinationsService
	connections: ConnectionsService
	ingest: IngestService
	events: EventsService
	retention: RetentionSweeper
	worker: DeliveryWorker
	retries: RetryService
	attempts: AttemptsService
	issues: IssuesService
	accounts: Accounts
	environments: EnvironmentsService
	live: LiveHub
	testSessions: TestSessionsService
	/** Metrics, Prometheus, alerts, replay, rate limits (src/ops.ts). */
	ops: Ops
	/** The other instances on the same PostgreSQL database (a no-op on SQLite): src/cluster. */
	cluster: Cluster
	/** The server's background work: delivery worker, retention, issue auto-resolve. */
	startBackground(): Promise<void>
	/** Waits for queued event writes to commit (graceful stop). */
	drainWrites(): Promise<void>
	close(): Promise<void>
}

/** Outbound transports tests replace (a fake provider API, a resolver for names that do not exist here); production passes nothing. */
export interface Injected {
	remoteGet?: RemoteGet
	resolve?: Resolver
	/** How this instance reaches the others (default: LISTEN/NOTIFY on PostgreSQL, none on SQLite); closed with the context. */
	bus?: ClusterBus
	/** On a shared database, how often the worker looks for work other instances queued (ms): the backstop for a lost wake-up. */
	clusterPollMs?: number
}

export async function createContext(config: Readonly<Config>, opts: { clock?: Clock; log?: Logger } & Injected = {}): Promise<AppContext> {
	const clock = opts.clock ?? systemClock
	const log = opts.log ?? silentLogger
	const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, synchronous: config.sqliteSynchronous, migrate: true })
	const secretKey = loadEncryptionKey(config.encryptionKey, config.dataDir)
	const bus = opts.bus ?? (store.backend.kind === 'postgres' ? await createPgBus(store.backend.pg.sql, { log }) : createLocalBus())
	const secrets = new SecretBox(secretKey)
	const keys = new ApiKeyService(store.apiKeys, store.tenancy, clock)
	const accounts = createAccounts(store, keys, clock, config, secretKey)
	const environments = new EnvironmentsService(store.tenancy, clock, { maxEnvironments: config.maxEnvironments })
	const sources = new SourcesService(store.sources, secrets, clock, { maxSources: config.maxSources })
	const circuits = new Circuits(store.deliveries, clock)
	const destinations = new DestinationsService(store.destinations, secrets, clock, { maxDestinations: config.maxDestinations }, circuits)
	const connections = new ConnectionsService(store.connections, clock)
	const live = new LiveHub(store.live, log, config.liveHeartbeatMs, principalRecheck({
		keyActive: async (keyId) => {
			const key = await store.apiKeys.findById(keyId)
			return key !== null && !key.revoked
		},
		sessionActive: (sessionId, orgId) => store.accounts.sessionActive(sessionId, orgId, new Date(clock.now()).toISOString())
	}), config.liveMaxBufferedBytes / 2)
	const testSessions = new TestSessionsService(store.sessions, store.tenancy, clock, log, {
		ttlSeconds: config.testSessionTtlSeconds, requestLimit: config.testSessionRequestLimit,
		perIpPerHour: config.testSessionsPerIpHour, allowPrivateDestinations: config.allowPrivateDestinations
	})
	// Pooled provider connections (Kafka producers, AMQP channels) are closed on change, delete and shutdown.
	const providers = new Providers(store.events, live)
	// The worker is built next; the cluster only wakes it once both exist.
	const cluster = createCluster(bus, { hub: live, live: store.live, attempts: store.attempts, issues: store.issues, worker: { wake: () => worker.wake() }, clock, log })
	const worker = new DeliveryWorker(
		{ deliveries: store.deliveries, circuits, events: store.events, destinations, connections, clock, log, providers, onAttempt: (o) => {
			live.attemptRecorded(o)
			cluster.attemptRecorded(o)
		} },
		{
			globalConcurrency: config.deliveryConcurrency, destinationConcurrency: config.destinationConcurrency,
			allowPrivateDestinations: config.allowPrivateDestinations, retryUnitMs: config.retryUnitMs, resolve: opts.resolve,
			// Longer than any attempt can take (timeout_ms ≤ 120 s), so a live attempt never loses its lease.
			leaseMs: 150_000,
			sweepIntervalMs: config.housekeepingIntervalMs,
			// Several instances may share PostgreSQL: each sends to the destinations it owns.
			shared: store.backend.kind === 'postgres', ownershipLeaseMs: config.destinationLeaseMs, pollMs: opts.clusterPollMs
		}
	)
	const cache = new SourceCache(store.sources, secrets)
	const routes = new RouteCache((sourceId) => connections.activeRoutes(sourceId))
	const changes = shareChanges(bus, { sources, environments, connections, destinations, testSessions }, log)
	invalidateCachesOnWrites(changes, { cache, routes, worker, providers })
	// Writes made elsewhere while the listen connection was down went unheard: read everything afresh.
	changes.onResync(() => {
		cache.clear()
		routes.clear()
		worker.cachesStale()
		// A breaker written elsewhere (a manual reset) or a deletion is looked at per destination: those with work.
		void store.deliveries.destinationsWithWork().then((ids) => ids.forEach((id) => worker.destinationChanged(id)), () => {})
	})
	const committer = new GroupCommitter<PendingEvent, number>(async (batch) => {
		const queued = await store.events.insertBatch(batch)
		live.eventsCommitted(batch) // after the commit, before any sender hears 200: one Map lookup when nobody listens
		testSessions.eventsCommitted(batch) // forwarding test sessions: one size check when none forward
		cluster.eventsCommitted(batch, queued) // other instances on the same database: one call that does nothing on SQLite
		return queued
	}, 1024, (queued) => {
		if (queued > 0) worker.wake()
	})
	const remote = guardedGet(opts.remoteGet ?? fetchText, { allowPrivate: config.allowPrivateDestinations, resolve: opts.resolve ?? systemResolver })
	const ingest = new IngestService(cache, committer, new ClientIpResolver(config.trustedProxies), clock, routes, remote)
	const events = new EventsService(store.events)
	// Retention, issue auto-resolve, rollups, alerts, replay and housekeeping run once per tick across instances.
	const ticks = new JobTicks(store.cluster, log)
	const retention = new RetentionSweeper(store.events, clock, log, { retentionDays: config.retentionDays, intervalMs: config.housekeepingIntervalMs, ticks })
	const retries = new RetryService(store.deliveries, store.attempts, clock, () => cluster.wake())
	const attempts = new AttemptsService(store.attempts)
	const issues = new IssuesService(store.issues, retries, clock, log)
	const ops = createOps({ store, config, clock, log, secrets, wake: () => cluster.wake(), onSourceChange: (l) => changes.sources.onChange(l), ticks })
	let background = false
	return {
		config, clock, log, store, keys, sources, destinations, connections, ingest, events, retention, worker, retries, attempts, issues, accounts, environments, live, testSessions, ops, cluster,
		async startBackground() {
			background = true
			store.checkpointInBackground(log)
			retention.start()
			issues.start(config.housekeepingIntervalMs, ticks)
			live.start()
			await testSessions.start()
			ops.start()
			await worker.start()
		},
		drainWrites: () => committer.drain(),
		async close() {
			if (background) await worker.stop(config.shutdownGraceMs)
			await providers.closeAll()
			issues.stop()
			live.stop()
			testSessions.stop()
			await ops.stop()
			await retention.stop()
			await committer.drain()
			await cluster.close()
			await keys.flushUsage()
			await store.checkpoint()
			await store.close()
			log.flush()
		}
	}
}

/**
 * Every write that changes what ingest or the worker holds tells them: the
 * source cache, the route cache, and the worker's destinations and connections.
 */
function invalidateCachesOnWrites(
	writers: SharedChangeFeeds,
	caches: { cache: SourceCache; routes: RouteCache; worker: DeliveryWorker; providers: Providers }
): void {
	const { sources, environments, connections, destinations, testSessions } = writers
	const { cache, routes, worker, providers } = caches
	sources.onChange((id) => {
		cache.invalidate(id)
		routes.invalidate(id) // deleting a source cascades to its connections
		worker.connectionsChanged() // …which the worker may hold: their retries must be abandoned, not sent
	})
	environments.onPurge(({ sourceIds, destinationIds }) => {
		for (const id of sourceIds) cache.invalidate(id)
		routes.clear()
		for (const id of destinationIds) {
			worker.destinationChanged(id)
			void providers.forget(id)
		}
		worker.connectionsChanged()
	})
	testSessions.onChange((id) => {
		cache.invalidate(id) // claimed (new tenancy, no limits) or deleted
		routes.invalidate(id)
	})
	connections.onChange((sourceId) => {
		routes.invalidate(sourceId)
		worker.connectionsChanged()
	})
	destinations.onChange((id) => {
		routes.clear() // a destination's status decides whether its connections route
		worker.destinationChanged(id) // also closes the deliveries of a deleted destination
		void providers.forget(id) // pooled connections to it (Kafka producer, AMQP channel) are closed
	})
}
