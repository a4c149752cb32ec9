import { ChannelsService } from './alerts/channels'
import { AlertEvaluator } from './alerts/evaluator'
import { RulesService } from './alerts/rules'
import type { Config } from './config'
import type { Clock } from './lib/clock'
import type { SecretBox } from './lib/crypto'
import type { Logger } from './lib/log'
import { PrometheusMetrics } from './metrics/prometheus'
import { RollupJob } from './metrics/rollup'
import { MetricsService } from './metrics/service'
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
}

export function createOps({ store, config, clock, log, secrets }: OpsDeps): Ops {
	const rollup = new RollupJob(store.metrics, clock, log)
	const metrics = new MetricsService(store.metrics, clock)
	const prometheus = new PrometheusMetrics()
	rollup.listen(prometheus)
	const channels = new ChannelsService(store.alerts, secrets, clock, { allowPrivate: config.allowPrivateDestinations, smtpUrl: config.smtpUrl })
	const scope = {
		sourceExists: async (envId: string, id: string) => (await store.sources.findById(id))?.env_id === envId,
		destinationExists: async (envId: string, id: string) => (await store.destinations.findById(id))?.env_id === envId
	}
	const rules = new RulesService(store.alerts, channels, scope, clock)
	const alerts = new AlertEvaluator(store.alerts, store.signals, channels, clock, log, config.alertIntervalSeconds * 1000)
	return {
		metrics, rollup, prometheus, channels, rules, alerts,
		async scrape() {
			const now = clock.now()
			return prometheus.render(await store.metrics.scrapeState(now), now)
		},
		start() {
			rollup.start()
			alerts.start()
		},
		async stop() {
			await rollup.stop()
			await alerts.stop()
		}
	}
}
