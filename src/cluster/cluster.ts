import type { AttemptOutcome } from '../delivery/repo'
import type { PendingEvent } from '../events/repo'
import type { ClusterBus } from './bus'
import { LiveRelay, type LiveRelayDeps } from './live-relay'
import { perTurn, publishLogged } from './per-turn'

export const WAKE_TOPIC = 'wake'

/** What the rest of the app tells the cluster; every method is a no-op on the single-instance bus. */
export interface Cluster {
	readonly bus: ClusterBus
	/** After an ingest batch committed: live ids to the others, and one wake-up when it queued deliveries. */
	eventsCommitted(batch: readonly PendingEvent[], queued: number): void
	/** After an attempt's outcome committed (live `delivery` / `issue` messages elsewhere). */
	attemptRecorded(outcome: AttemptOutcome): void
	/** Deliveries were queued outside ingest (retry, replay): wake this worker and the others. */
	wake(): void
	close(): Promise<void>
}

export interface ClusterDeps extends Omit<LiveRelayDeps, 'bus'> {
	worker: { wake(): void }
}

/**
 * Several instances on one database as one: worker wake-ups after commits made
 * elsewhere (destination ids, deduplicated, once per batch), and live fan-out
 * (LiveRelay). Cache invalidation travels in changes.ts. The backstop for a lost
 * wake-up is the worker's own poll on a shared database (WorkerOptions.pollMs).
 */
export function createCluster(bus: ClusterBus, deps: ClusterDeps): Cluster {
	const { worker, log } = deps
	if (!bus.remote) {
		return { bus, eventsCommitted() {}, attemptRecorded() {}, wake: () => worker.wake(), close: () => bus.close() }
	}
	const relay = new LiveRelay({ ...deps, bus })
	// One wake-up per event-loop turn at most; it names no destination, since whichever instance
	// owns one finds its work by looking at its queue.
	const wakePeers = perTurn<void>(() => publishLogged(bus, log, 'sending a wake-up', WAKE_TOPIC, []))
	// Which instance serves a destination is the worker's business: any wake-up makes it look at its queue.
	bus.subscribe(WAKE_TOPIC, () => worker.wake())
	bus.onResume(() => worker.wake())
	return {
		bus,
		eventsCommitted(batch, queued) {
			relay.eventsCommitted(batch)
			if (queued > 0) wakePeers()
		},
		attemptRecorded: (outcome) => relay.attemptRecorded(outcome),
		wake() {
			worker.wake()
			wakePeers()
		},
		async close() {
			await bus.close()
			await relay.idle()
		}
	}
}
