import type { Config } from './config'
import type { Clock } from './lib/clock'
import type { Logger } from './lib/log'
import { PrometheusMetrics } from './metrics/prometheus'
import { RollupJob } from './metrics/rollup'
import { MetricsService } from './metrics/service'
import type { Store } from './store'

/**
 * The operations surface (issue 12), built in one place so the shared context
 * only holds a handle: metrics rollups and API.
 */
export interface Ops {
	metrics: MetricsService
	rollup: RollupJob
	prometheus: PrometheusMetrics
	/** The Prometheus exposition text. */
	scrape(): Promise<string>
	start(): void
	stop(): Promise<void>
}

export function createOps(store: Store, _config: Readonly<Config>, clock: Clock, log: Logger): Ops {
	const rollup = new RollupJob(store.metrics, clock, log)
	const metrics = new MetricsService(store.metrics, clock)
	const prometheus = new PrometheusMetrics()
	rollup.listen(prometheus)
	return {
		metrics, rollup, prometheus,
		async scrape() {
			const now = clock.now()
			return prometheus.render(await store.metrics.scrapeState(now), now)
		},
		start() {
			rollup.start()
		},
		async stop() {
			await rollup.stop()
		}
	}
}
