import { ChannelsService } from './alerts/channels'
import { AlertEvaluator } from './alerts/evaluator'
import { RulesService } from './alerts/rules'
import { Periodic, type TickClaimer } from './cluster/ticks'
import type { Config } from './config'
import type { Clock } from './lib/clock'
import type { SecretBox } from './lib/crypto'
import type { Logger } from './lib/log'
import { SourceRateLimits } from './ingest/rate-limit'
import { PrometheusMetrics } from './metrics/prometheus'
import { RollupJob } from './metrics/rollup'
import { DAY_MS } from './metrics/histogram'
import { MetricsService } from './metrics/service'
import { ReplayService } from './replay/service'
import type { Store } from './store'

/**
 * The operations surface (issue 12), built in one place so the shared context
 * only holds a handle: metrics rollups and API, Prometheus, alerts.
 */
export interface Ops {
	metrics: MetricsService
	rollup: RollupJob
	prometheus: PrometheusMetrics
	channels: ChannelsService
	rules: RulesService
	alerts: AlertEvaluator
	replay: ReplayService
	/** Per-source ingest limits, checked before ingest reads the body. */
	ingestLimits: SourceRateLimits
	/** Retention for this surface: minute rollups past 2 days, hourly past --retention-days, daily past 400 days, finished replay jobs past 7 days. */
	trim(): Promise<void>
	/** The Prometheus exposition text. */
	scrape(): Promise<string>
	start(): void
	stop(): Promise<void>
}

export interface OpsDeps {
	store: Store
	config: Readonly<Config>
	clock: Clock
	log: Logger
	secrets: SecretBox
	/** Wakes the delivery worker (new outbox rows). */
	wake: () => void
	/** Subscribes to source changes (their rate limits). */
	onSourceChange: (listener: (id: string) => void) => void
	/** Periodic jobs run once per tick across the instances sharing the database (src/cluster/ticks.ts). */
	ticks?: TickClaimer | null
}

/** Finished replay jobs are kept this long (the reference's suggested KV TTL). */
const REPLAY_KEEP_MS = 7 * DAY_MS
const DAILY_ROLLUP_KEEP_MS = 400 * DAY_MS

export function createOps({ store, config, clock, log, secrets, wake, onSourceChange, ticks = null }: OpsDeps): Ops {
	const rollup = new RollupJob(store.metrics, clock, log, undefined, ticks)
	const metrics = new MetricsService(store.metrics, clock)
	const prometheus = new PrometheusMetrics()
	rollup.listen(prometheus)
	const channels = new ChannelsService(store.alerts, secrets, clock, { allowPrivate: config.allowPrivateDestinations, smtpUrl: config.smtpUrl })
	const scope = {
		sourceExists: async (envId: string, id: string) => (await store.sources.findById(id))?.env_id === envId,
		destinationExists: async (envId: string, id: string) => (await store.destinations.findById(id))?.env_id === envId
	}
	const rules = new RulesService(store.alerts, channels, scope, clock)
	const alerts = new AlertEvaluator(store.alerts, { metrics: store.metrics, issues: store.signals }, channels, clock, log, config.alertIntervalSeconds * 1000, ticks)
	const replay = new ReplayService(store.replay, scope.destinationExists, wake, clock, log, ticks)
	const ingestLimits = new SourceRateLimits(store.sources, clock)
	void ingestLimits.load()
	onSourceChange((id) => void ingestLimits.refresh(id))
	const trim = async () => {
		try {
			const now = clock.now()
			await store.metrics.trim('minute', now - 2 * DAY_MS)
			await store.metrics.trim('hour', now - config.retentionDays * DAY_MS)
			await store.metrics.trim('day', now - Math.max(config.retentionDays * DAY_MS, DAILY_ROLLUP_KEEP_MS))
			await store.replay.purgeFinished(now - REPLAY_KEEP_MS)
		} catch (err) {
			log.error('ops retention failed', { error: err instanceof Error ? err.message : String(err) })
		}
	}
	const housekeeping = new Periodic('ops.housekeeping', config.housekeepingIntervalMs, trim, ticks)
	return {
		metrics, rollup, prometheus, channels, rules, alerts, replay, ingestLimits, trim,
		async scrape() {
			const now = clock.now()
			return prometheus.render(await store.metrics.scrapeState(now), now)
		},
		start() {
			rollup.start()
			alerts.start()
			replay.start()
			housekeeping.start()
		},
		async stop() {
			housekeeping.stop()
			await replay.stop()
			await rollup.stop()
			await alerts.stop()
		}
	}
}
