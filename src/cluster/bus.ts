import type { SQL } from 'bun'
import { randomHex } from '../lib/crypto'
import { type Logger, silentLogger } from '../lib/log'

/** Receives a message another instance published: its payload and the sender's instance id. */
export type BusHandler = (payload: unknown, from: string) => void

/**
 * What instances on one database tell each other: cache invalidations, worker
 * wake-ups and the ids behind live fan-out. Delivery is best effort (a message
 * sent while an instance's listen connection is down is lost to it), so every
 * user keeps a backstop: `onResume` says when such a gap may have happened.
 * An instance never receives its own messages.
 */
export interface ClusterBus {
	readonly instanceId: string
	/** False for the single-instance bus: there is nobody to tell, callers can skip building messages. */
	readonly remote: boolean
	/** Sends `payload` (JSON) to every other instance. An array too large for one message goes out in slices. */
	publish(topic: string, payload: unknown): Promise<void>
	subscribe(topic: string, handler: BusHandler): () => void
	/**
	 * Runs after the listen connection came back: messages sent since `lastHeardAt` (epoch ms,
	 * the last notification it received, or when it first listened) may have been lost.
	 */
	onResume(handler: (lastHeardAt: number) => void): () => void
	close(): Promise<void>
}

/** SQLite: one instance per data dir, so there is no other instance to reach. */
export function createLocalBus(): ClusterBus {
	return {
		instanceId: `i_${randomHex(8)}`,
		remote: false,
		publish: async () => {},
		subscribe: () => () => {},
		onResume: () => () => {},
		close: async () => {}
	}
}

/** The one PostgreSQL channel every instance listens on; topics travel inside the envelope. */
export const BUS_CHANNEL = 'hookstream'
/** NOTIFY refuses payloads of 8000 bytes or more; this leaves room for nothing to go wrong. */
export const MAX_ENVELOPE_BYTES = 7900

interface Envelope {
	t: string
	from: string
	d: unknown
}

/**
 * The JSON envelopes for one publish: one when it fits, else an array payload cut greedily into
 * slices that each fit (an array's JSON is its items' JSON joined by commas, so sizes add up exactly).
 */
export function envelopesOf(topic: string, from: string, payload: unknown, maxBytes = MAX_ENVELOPE_BYTES): string[] {
	const whole = JSON.stringify({ t: topic, from, d: payload } satisfies Envelope)
	if (Buffer.byteLength(whole) <= maxBytes) return [whole]
	if (!Array.isArray(payload)) throw new Error(`cluster message "${topic}" is ${Buffer.byteLength(whole)} bytes, over ${maxBytes}; send ids`)
	const base = Buffer.byteLength(JSON.stringify({ t: topic, from, d: [] } satisfies Envelope))
	const out: string[] = []
	let slice: string[] = []
	let size = base
	const flush = () => {
		// The same text JSON.stringify({t, from, d: [...]}) gives, without parsing the items again.
		if (slice.length > 0) out.push(`{"t":${JSON.stringify(topic)},"from":${JSON.stringify(from)},"d":[${slice.join(',')}]}`)
		slice = []
		size = base
	}
	for (const item of payload) {
		const json = JSON.stringify(item) ?? 'null'
		const bytes = Buffer.byteLength(json)
		if (base + bytes > maxBytes) throw new Error(`an item of cluster message "${topic}" is ${bytes} bytes, too large for one notification`)
		if (size + bytes + (slice.length > 0 ? 1 : 0) > maxBytes) flush()
		size += bytes + (slice.length > 0 ? 1 : 0)
		slice.push(json)
	}
	flush()
	return out
}

function parseEnvelope(text: string): Envelope | null {
	try {
		const e = JSON.parse(text) as Partial<Envelope> | null
		return e && typeof e.t === 'string' && typeof e.from === 'string' ? (e as Envelope) : null
	} catch {
		return null
	}
}

/**
 * PostgreSQL LISTEN/NOTIFY through Bun.SQL: one listen connection per instance (Bun
 * reconnects it with backoff and runs `onlisten` again, which is when `onResume`
 * handlers run), small JSON envelopes `{t, from, d}` on one channel. NOTIFY takes a
 * global lock at commit, so callers publish once per committed batch, never per event.
 */
export async function createPgBus(sql: SQL, opts: { log?: Logger; instanceId?: string; clock?: () => number } = {}): Promise<ClusterBus> {
	const log = opts.log ?? silentLogger
	const now = opts.clock ?? Date.now
	const instanceId = opts.instanceId ?? `i_${randomHex(8)}`
	const handlers = new Map<string, Set<BusHandler>>()
	const resumers = new Set<(lastHeardAt: number) => void>()
	let listens = 0
	let lastHeardAt = now()
	let closed = false

	const onNotify = (text: string) => {
		// Our own messages come back too: they still prove the connection was up until now.
		lastHeardAt = now()
		const e = parseEnvelope(text)
		if (!e) return log.warn('cluster bus: a notification that is not an envelope was ignored', { bytes: text.length })
		if (e.from === instanceId) return
		for (const h of handlers.get(e.t) ?? []) {
			try {
				h(e.d, e.from)
			} catch (err) {
				log.error('cluster bus handler failed', { topic: e.t, error: err instanceof Error ? err.stack : String(err) })
			}
		}
	}
	const onListen = () => {
		if (listens++ === 0 || closed) return
		const since = lastHeardAt
		lastHeardAt = now()
		log.warn('cluster bus: listen connection restored, catching up', { since: new Date(since).toISOString() })
		for (const r of resumers) {
			try {
				r(since)
			} catch (err) {
				log.error('cluster bus catch-up failed', { error: err instanceof Error ? err.stack : String(err) })
			}
		}
	}
	const subscription = await sql.listen(BUS_CHANNEL, onNotify, onListen).catch((err: unknown) => {
		// Without it other instances' writes would never reach this one's caches: refuse to start.
		throw new Error(`PostgreSQL LISTEN failed (${err instanceof Error ? err.message : String(err)}): instances sharing a database need it; a pooler must run in session mode`)
	})

	return {
		instanceId,
		remote: true,
		async publish(topic, payload) {
			if (closed) return
			for (const text of envelopesOf(topic, instanceId, payload)) await sql.notify(BUS_CHANNEL, text)
		},
		subscribe(topic, handler) {
			let set = handlers.get(topic)
			if (!set) handlers.set(topic, (set = new Set()))
			set.add(handler)
			return () => void set.delete(handler)
		},
		onResume(handler) {
			resumers.add(handler)
			return () => void resumers.delete(handler)
		},
		async close() {
			if (closed) return
			closed = true
			handlers.clear()
			resumers.clear()
			await subscription.unlisten()
		}
	}
}
