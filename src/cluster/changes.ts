import type { Logger } from '../lib/log'
import type { PurgedEnvironment } from '../tenancy/repo'
import type { ClusterBus } from './bus'
import { perTurn, publishLogged } from './per-turn'

type OnChange = { onChange(listener: (id: string) => void): void }

/** The change feeds of the services whose writes invalidate what ingest and the worker hold. */
export interface ChangeFeeds {
	sources: OnChange
	connections: OnChange
	destinations: OnChange
	testSessions: OnChange
	environments: { onPurge(listener: (p: PurgedEnvironment) => void): void }
}

export interface SharedChangeFeeds extends ChangeFeeds {
	/**
	 * Runs when changes made elsewhere may have been missed (the listen connection was
	 * down): whatever is cached from the database must be read afresh.
	 */
	onResync(listener: () => void): void
}

export const CHANGES_TOPIC = 'changes'

/** One change on the wire: source, connections of a source, destination, test session, purged source / destination. */
type Kind = 's' | 'c' | 'd' | 't' | 'ps' | 'pd'
type Change = [Kind, string]
const KINDS = new Set<string>(['s', 'c', 'd', 't', 'ps', 'pd'])

const isChange = (v: unknown): v is Change => Array.isArray(v) && v.length === 2 && KINDS.has(v[0]) && typeof v[1] === 'string'

/**
 * The services' change feeds made cluster-wide: a listener registered here hears a
 * write made on this instance (from the service, synchronously, as before) and one
 * made on another instance (from the bus), with the same arguments. Local changes
 * of one event-loop turn travel as one message. With the single-instance bus the
 * services' own feeds are returned as they are.
 */
export function shareChanges(bus: ClusterBus, local: ChangeFeeds, log: Logger): SharedChangeFeeds {
	if (!bus.remote) return { ...pick(local), onResync: () => {} }
	const remote = { s: [] as ((id: string) => void)[], c: [] as ((id: string) => void)[], d: [] as ((id: string) => void)[], t: [] as ((id: string) => void)[] }
	const purged: ((p: PurgedEnvironment) => void)[] = []
	const resync: (() => void)[] = []

	const send = perTurn<Change>((batch) => publishLogged(bus, log, 'sharing changes', CHANGES_TOPIC, batch), (change) => change.join(' '))
	local.sources.onChange((id) => send(['s', id]))
	local.connections.onChange((sourceId) => send(['c', sourceId]))
	local.destinations.onChange((id) => send(['d', id]))
	local.testSessions.onChange((id) => send(['t', id]))
	local.environments.onPurge(({ sourceIds, destinationIds }) => {
		for (const id of sourceIds) send(['ps', id])
		for (const id of destinationIds) send(['pd', id])
	})

	bus.subscribe(CHANGES_TOPIC, (payload) => {
		if (!Array.isArray(payload)) return
		const purge: PurgedEnvironment = { sourceIds: [], destinationIds: [] }
		for (const change of payload) {
			if (!isChange(change)) continue
			const [kind, id] = change
			if (kind === 'ps') purge.sourceIds.push(id)
			else if (kind === 'pd') purge.destinationIds.push(id)
			else for (const l of remote[kind]) l(id)
		}
		// A purge too large for one message arrives in parts; each part is a purge of its own ids.
		if (purge.sourceIds.length + purge.destinationIds.length > 0) for (const l of purged) l(purge)
	})
	bus.onResume(() => {
		for (const l of resync) l()
	})

	const feed = (service: OnChange, listeners: ((id: string) => void)[]): OnChange => ({
		onChange(listener) {
			service.onChange(listener)
			listeners.push(listener)
		}
	})
	return {
		sources: feed(local.sources, remote.s),
		connections: feed(local.connections, remote.c),
		destinations: feed(local.destinations, remote.d),
		testSessions: feed(local.testSessions, remote.t),
		environments: {
			onPurge(listener) {
				local.environments.onPurge(listener)
				purged.push(listener)
			}
		},
		onResync: (listener) => void resync.push(listener)
	}
}

/** Only the feeds, bound to their services (the services themselves stay out of reach of the listeners' code). */
function pick(local: ChangeFeeds): ChangeFeeds {
	return {
		sources: { onChange: (l) => local.sources.onChange(l) },
		connections: { onChange: (l) => local.connections.onChange(l) },
		destinations: { onChange: (l) => local.destinations.onChange(l) },
		testSessions: { onChange: (l) => local.testSessions.onChange(l) },
		environments: { onPurge: (l) => local.environments.onPurge(l) }
	}
}
