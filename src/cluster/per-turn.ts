import type { Logger } from '../lib/log'
import type { ClusterBus } from './bus'

/**
 * Gathers what callers add during one event-loop turn and hands it to `flush` once, on the
 * next turn (setImmediate): NOTIFY takes a global lock at commit, so a burst of writes must
 * cost one message, not one each. Items with the same key are kept once (the first added;
 * by default an item is its own key, so distinct objects are all kept). What is added while
 * `flush` runs, or later, goes out on a turn of its own.
 */
export function perTurn<T>(flush: (items: T[]) => void, keyOf: (item: T) => unknown = (item) => item): (item: T) => void {
	let pending: Map<unknown, T> | null = null
	return (item) => {
		if (!pending) {
			const batch = new Map<unknown, T>()
			pending = batch
			setImmediate(() => {
				pending = null
				flush([...batch.values()])
			})
		}
		const key = keyOf(item)
		if (!pending.has(key)) pending.set(key, item)
	}
}

/** Publishes on the bus without waiting; a failure is logged (`what` says which message was lost), never thrown. */
export function publishLogged(bus: ClusterBus, log: Logger, what: string, topic: string, payload: unknown): void {
	bus.publish(topic, payload).catch((err: unknown) => log.error(`cluster: ${what} failed`, { topic, error: err instanceof Error ? err.message : String(err) }))
}
