import type { DeliveryConnection } from '../connections/service'
import { SingleFlightCache } from '../lib/single-flight-cache'
import { policyOf } from './policy'
import type { Target } from './worker-attempt'
import type { WorkerDeps } from './worker-options'

/** What the worker sends with: destinations (secrets opened, policy read) and connections (transform compiled), until they change. */
export class WorkerTargets {
	readonly #targets: SingleFlightCache<string, Target | null>
	readonly #connections: SingleFlightCache<string, DeliveryConnection | null>

	constructor(private readonly deps: Pick<WorkerDeps, 'destinations' | 'connections' | 'circuits' | 'deliveries' | 'clock' | 'log'>, retryUnitMs: number) {
		this.#targets = new SingleFlightCache(async (id) => {
			const found = await deps.destinations.resolveForDelivery(id)
			return found && { ...found, policy: policyOf(found.row, retryUnitMs) }
		})
		this.#connections = new SingleFlightCache((id) => deps.connections.findForDelivery(id))
	}

	get(destinationId: string): Promise<Target | null> {
		return this.#targets.get(destinationId)
	}

	/** The connection when already loaded (no promise); undefined when it was not, or is gone. */
	cachedConnection(connectionId: string): DeliveryConnection | undefined {
		return this.#connections.peek(connectionId) ?? undefined
	}

	connection(connectionId: string): Promise<DeliveryConnection | null> {
		return this.#connections.get(connectionId)
	}

	invalidate(destinationId: string): void {
		this.#targets.invalidate(destinationId)
	}

	clearConnections(): void {
		this.#connections.clear()
	}

	/** Everything is read afresh: destinations and connections alike. */
	clear(): void {
		this.#targets.clear()
		this.#connections.clear()
	}

	/** A deleted destination's pending deliveries can never be made: they are closed, so their events settle. */
	async closeIfDeleted(id: string): Promise<void> {
		try {
			if (await this.deps.destinations.exists(id)) return
			this.deps.circuits.forget(id)
			await this.deps.deliveries.abandonDestination(id, this.deps.clock.now())
		} catch (err) {
			this.deps.log.error('closing deliveries of a deleted destination failed', { destination: id, error: err instanceof Error ? err.message : String(err) })
		}
	}
}
