/**
 * Values by key, loaded on a miss and kept until invalidated. Concurrent misses
 * of one key share one load (single flight).
 *
 * A load that an invalidation overtook must not be cached: it may have read the
 * row before the write that caused the invalidation. Each load is a flight
 * object, and only the flight still registered for its key when it lands may
 * store its value or unregister itself. Checking identity, not presence, is what
 * matters: after an invalidation a newer flight may already be registered for
 * the same key, and the stale one must neither store over it nor remove it.
 */
export class SingleFlightCache<K, V> {
	readonly #entries = new Map<K, V>()
	readonly #flights = new Map<K, Promise<V>>()

	/**
	 * @param load reads the value of a key (a rejection is passed on, never cached)
	 * @param keep whether a loaded value is worth keeping (e.g. not an unknown id's null)
	 */
	constructor(
		private readonly load: (key: K) => Promise<V>,
		private readonly keep: (value: V) => boolean = () => true
	) {}

	/** The cached value, without loading. */
	peek(key: K): V | undefined {
		return this.#entries.get(key)
	}

	get(key: K): Promise<V> {
		if (this.#entries.has(key)) return Promise.resolve(this.#entries.get(key) as V)
		const inFlight = this.#flights.get(key)
		if (inFlight) return inFlight
		const flight: Promise<V> = this.load(key).then(
			(value) => {
				if (this.#flights.get(key) === flight) {
					this.#flights.delete(key)
					if (this.keep(value)) this.#entries.set(key, value)
				}
				return value
			},
			(err: unknown) => {
				if (this.#flights.get(key) === flight) this.#flights.delete(key)
				throw err
			}
		)
		this.#flights.set(key, flight)
		return flight
	}

	/** Drops the value and disowns any load in flight: the next `get` reads afresh. */
	invalidate(key: K): void {
		this.#entries.delete(key)
		this.#flights.delete(key)
	}

	clear(): void {
		this.#entries.clear()
		this.#flights.clear()
	}
}
