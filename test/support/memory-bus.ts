import { type BusHandler, type ClusterBus, envelopesOf } from '../../src/cluster/bus'
import { randomHex } from '../../src/lib/crypto'

/**
 * Several instances' buses in one process, for two contexts on one SQLite data dir (WAL
 * lets two handles share it): messages go through the same envelopes as on PostgreSQL
 * (so the size limit holds), asynchronously, never to the sender. `cut()` plays a lost
 * listen connection (messages to that bus are dropped), `restore()` its reconnect.
 */
export class MemoryNetwork {
	readonly #buses = new Set<MemoryBus>()

	bus(): MemoryBus {
		const bus = new MemoryBus(this.#buses)
		this.#buses.add(bus)
		return bus
	}
}

export class MemoryBus implements ClusterBus {
	readonly instanceId = `i_${randomHex(8)}`
	readonly remote = true
	readonly #handlers = new Map<string, Set<BusHandler>>()
	readonly #resumers = new Set<(lastHeardAt: number) => void>()
	#down = false
	#lastHeardAt = Date.now()
	/** Notifications dropped while cut (what a real outage would lose). */
	dropped = 0

	constructor(private readonly net: Set<MemoryBus>) {}

	async publish(topic: string, payload: unknown): Promise<void> {
		for (const text of envelopesOf(topic, this.instanceId, payload)) {
			for (const bus of this.net) setImmediate(() => bus.#receive(text))
		}
	}

	#receive(text: string): void {
		if (this.#down) {
			this.dropped++
			return
		}
		this.#lastHeardAt = Date.now()
		const e = JSON.parse(text) as { t: string; from: string; d: unknown }
		if (e.from === this.instanceId) return
		for (const h of this.#handlers.get(e.t) ?? []) h(e.d, e.from)
	}

	subscribe(topic: string, handler: BusHandler): () => void {
		let set = this.#handlers.get(topic)
		if (!set) this.#handlers.set(topic, (set = new Set()))
		set.add(handler)
		return () => void set.delete(handler)
	}

	onResume(handler: (lastHeardAt: number) => void): () => void {
		this.#resumers.add(handler)
		return () => void this.#resumers.delete(handler)
	}

	cut(): void {
		this.#down = true
	}

	restore(): void {
		this.#down = false
		const since = this.#lastHeardAt
		this.#lastHeardAt = Date.now()
		for (const r of this.#resumers) r(since)
	}

	async close(): Promise<void> {
		this.net.delete(this)
		this.#handlers.clear()
		this.#resumers.clear()
	}
}
