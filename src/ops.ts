import type { Config } from './config'
import type { Clock } from './lib/clock'
import type { Logger } from './lib/log'
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
	start(): void
	stop(): Promise<void>
}

export function createOps(store: Store, _config: Readonly<Config>, clock: Clock, log: Logger): Ops {
	const rollup = new RollupJob(store.metrics, clock, log)
	const metrics = new MetricsService(store.metrics, clock)
	return {
		metrics, rollup,
		start() {
			rollup.start()
		},
		async stop() {
			await rollup.stop()
		}
	}
}
