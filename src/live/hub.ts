import type { AttemptOutcome } from '../delivery/repo'
import type { EventRow } from '../events/repo'
import type { Logger } from '../lib/log'
import { attemptData, type Channel, eventData, MAX_CONNECTIONS_PER_HOLDER, MAX_SUBSCRIPTIONS, REPLAY_LIMIT } from './model'
import type { LiveRepo, StoredEvent } from './repo'

/** One message ready for the wire: the JSON envelope, serialised once per channel and shared by every client. */
export interface Frame {
	type: string
	/** The event id, for SSE's `id:` line (resume with Last-Event-ID). */
	id?: string
	text: string
}

/**
 * A connected client as the hub sees it: WebSocket or SSE. Two limits, because a
 * commit batch fans out in one synchronous burst that even a fast reader cannot
 * drain at once: a hard cap checked on every send, and at each heartbeat a soft
 * one the client must have drained below in the meantime.
 */
export interface LiveSink {
	/** Queues a frame; false when the queue passed the hard cap (the hub then drops the client). */
	send(frame: Frame): boolean
	/** True when more than the soft limit still waits: the client is not keeping up. */
	behind(): boolean
	close(code: number, reason: string): void
}

/** The hard cap is this many times the soft limit (--live-max-buffered-bytes). */
export const HARD_LIMIT_FACTOR = 8

interface Subscription {
	channel: Channel
	match: (row: EventRow) => boolean
	/** Live events held back while the subscription replays from its `since`; null once live. */
	pending: { id: string; frame: Frame }[] | null
	/**
	 * Ids the replay sent, kept until the next heartbeat: with a database whose commit
	 * and publish are not in one event-loop turn, a replay can read a row whose live
	 * copy arrives after the replay ended. That copy is skipped, not sent twice.
	 */
	replayed: Set<string> | null
}

export interface LiveConnection {
	readonly orgId: string
	readonly envId: string
	/** The credential the stream was opened with (an API key id); rechecked while the stream lives. */
	readonly principal: string | null
	/** Whose connection quota it counts against: the principal, or a test session's feed. */
	readonly holder: string | null
	readonly subs: Map<string, Subscription>
	closed: boolean
	sink: LiveSink
}

export class SubscribeError extends Error {
	constructor(readonly code: string, message: string) {
		super(message)
	}
}

/** Live events held per replaying subscription before the client counts as too slow. */
const MAX_PENDING = 10_000
const DEFAULT_REPLAY_BYTES = 2 * 1024 * 1024

const matchOf = (ch: Channel) => (ch.kind === 'events' && ch.scope ? (row: EventRow) => row.source_id === ch.scope : () => true)

/**
 * The in-process stream hub: clients grouped by environment (nothing crosses
 * environments), each with its channels. Committed events are fanned out after
 * their transaction; with nobody connected, publishing is one Map lookup.
 * A client that stops reading is dropped at its sink's limit instead of
 * buffering without bound; it resumes with `since` and loses nothing.
 */
export class LiveHub {
	readonly #byEnv = new Map<string, Set<LiveConnection>>()
	readonly #perHolder = new Map<string, number>()
	#timer: Timer | null = null

	constructor(
		private readonly repo: Pick<LiveRepo, 'eventsAfter'>,
		private readonly log: Logger,
		readonly heartbeatMs: number,
		/** Null while a principal may still read, else why not (key revoked, session signed out): its streams close with 4401. */
		private readonly recheck: (principal: string) => Promise<string | null> = async () => null,
		/** Body bytes one replay reads and sends at most: below the sink's limits, so a client far behind resumes page by page instead of being cut off mid-replay every time. */
		readonly replayBytes: number = DEFAULT_REPLAY_BYTES
	) {}

	get connectionCount(): number {
		let n = 0
		for (const set of this.#byEnv.values()) n += set.size
		return n
	}

	start(): void {
		this.#timer ??= setInterval(() => this.#heartbeat(), this.heartbeatMs)
		this.#timer.unref()
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer)
		this.#timer = null
		for (const set of this.#byEnv.values()) for (const conn of set) this.#drop(conn, 1001, 'server is shutting down')
	}

	/**
	 * True when some client of `envId` subscribes to a channel of `kind`, narrowed to `scope` or
	 * not narrowed at all (whether loading another instance's rows is worth a query).
	 */
	watching(envId: string, kind: Channel['kind'], scope?: string): boolean {
		for (const conn of this.#byEnv.get(envId) ?? []) {
			for (const { channel } of conn.subs.values()) if (channel.kind === kind && (scope === undefined || channel.scope === null || channel.scope === scope)) return true
		}
		return false
	}

	/** Environments where some client subscribes to a channel of `kind`. */
	watchedEnvs(kind: Channel['kind']): string[] {
		return [...this.#byEnv.keys()].filter((envId) => this.watching(envId, kind))
	}

	/** True when `holder` already has MAX_CONNECTIONS_PER_HOLDER streams open: refuse the next one (429) before opening it. */
	full(holder: string | null): boolean {
		return holder !== null && (this.#perHolder.get(holder) ?? 0) >= MAX_CONNECTIONS_PER_HOLDER
	}

	connect(scope: { orgId: string; envId: string; principal?: string | null; holder?: string | null }, sink: LiveSink): LiveConnection {
		const principal = scope.principal ?? null
		const holder = scope.holder ?? principal
		const conn: LiveConnection = { orgId: scope.orgId, envId: scope.envId, principal, holder, subs: new Map(), closed: false, sink }
		let set = this.#byEnv.get(scope.envId)
		if (!set) this.#byEnv.set(scope.envId, (set = new Set()))
		set.add(conn)
		if (holder !== null) this.#perHolder.set(holder, (this.#perHolder.get(holder) ?? 0) + 1)
		return conn
	}

	disconnect(conn: LiveConnection): void {
		conn.closed = true
		const set = this.#byEnv.get(conn.envId)
		// Called more than once for one stream (abort and cancel, close after a drop): count it once.
		if (!set?.delete(conn)) return
		if (set.size === 0) this.#byEnv.delete(conn.envId)
		if (conn.holder === null) return
		const left = (this.#perHolder.get(conn.holder) ?? 1) - 1
		if (left > 0) this.#perHolder.set(conn.holder, left)
		else this.#perHolder.delete(conn.holder)
	}

	/** Sends a control frame (welcome, errors, acknowledgements) to one client. */
	send(conn: LiveConnection, message: Record<string, unknown>): void {
		this.#deliver(conn, { type: String(message.type), text: JSON.stringify(message) })
	}

	/**
	 * Subscribes, then with `since` replays what was stored after that event. Live
	 * events are held while the replay reads, and those the replay already sent are
	 * skipped: no duplicate and no hole at the seam. At most REPLAY_LIMIT (and replayBytes of bodies) are replayed,
	 * then a `gap` notice says where to resume.
	 */
	async subscribe(conn: LiveConnection, channel: Channel, opts: { since?: string | undefined; match?: (row: EventRow) => boolean; ack?: boolean } = {}): Promise<void> {
		if (!conn.subs.has(channel.name) && conn.subs.size >= MAX_SUBSCRIPTIONS) {
			throw new SubscribeError('too_many_subscriptions', `At most ${MAX_SUBSCRIPTIONS} subscriptions per connection`)
		}
		const since = channel.kind === 'events' ? opts.since : undefined
		const sub: Subscription = { channel, match: opts.match ?? matchOf(channel), pending: since ? [] : null, replayed: null }
		conn.subs.set(channel.name, sub)
		let replayed = 0
		let resumeSince: string | null = null
		if (since) {
			const stored = await this.repo.eventsAfter(conn.envId, channel.scope, since, REPLAY_LIMIT, this.replayBytes)
			// Unsubscribed, replaced or disconnected while reading: the newer state wins.
			if (conn.closed || conn.subs.get(channel.name) !== sub) return
			const sent = this.#replay(conn, sub, stored.events)
			replayed = sent.size
			if (stored.more) resumeSince = stored.events.at(-1)?.row.id ?? null
			if (resumeSince) this.send(conn, { type: 'gap', channel: channel.name, replayed, resume_since: resumeSince, message: `More was missed than one replay carries (${REPLAY_LIMIT} events or ${this.replayBytes} bytes of bodies); subscribe again with since=${resumeSince} for the rest` })
			const pending = sub.pending ?? []
			sub.pending = null
			if (opts.ack !== false) this.send(conn, { type: 'subscribed', channel: channel.name, replayed, at: new Date().toISOString() })
			for (const p of pending) if (!sent.has(p.id)) this.#deliver(conn, p.frame)
			sub.replayed = sent.size > 0 ? sent : null
			return
		}
		if (opts.ack !== false) this.send(conn, { type: 'subscribed', channel: channel.name, replayed, at: new Date().toISOString() })
	}

	#replay(conn: LiveConnection, sub: Subscription, stored: StoredEvent[]): Set<string> {
		const sent = new Set<string>()
		for (const { row, body } of stored) {
			if (!sub.match(row)) continue
			sent.add(row.id)
			this.#deliver(conn, eventFrame(sub.channel.name, row, eventData(row, body)))
		}
		return sent
	}

	unsubscribe(conn: LiveConnection, name: string): boolean {
		return conn.subs.delete(name)
	}

	/** Called after each ingest commit with the batch just made durable. */
	eventsCommitted(batch: readonly { row: EventRow; body: Uint8Array }[]): void {
		if (this.#byEnv.size === 0) return
		try {
			for (const p of batch) {
				const conns = this.#byEnv.get(p.row.env_id)
				if (conns) this.#fanOut(conns, p.row, p.body)
			}
		} catch (err) {
			// The batch is committed whatever happens here: a stream fault must not fail ingest.
			this.log.error('live fan-out failed', { error: err instanceof Error ? err.stack : String(err) })
		}
	}

	#fanOut(conns: Set<LiveConnection>, row: EventRow, body: Uint8Array): void {
		let data: ReturnType<typeof eventData> | undefined
		const frames = new Map<string, Frame>()
		for (const conn of conns) {
			for (const sub of conn.subs.values()) {
				if (sub.channel.kind !== 'events' || !sub.match(row) || sub.replayed?.has(row.id)) continue
				data ??= eventData(row, body)
				let frame = frames.get(sub.channel.name)
				if (!frame) frames.set(sub.channel.name, (frame = eventFrame(sub.channel.name, row, data)))
				if (!sub.pending) this.#deliver(conn, frame)
				else if (sub.pending.push({ id: row.id, frame }) > MAX_PENDING) this.#drop(conn, 1013, 'client too slow')
			}
		}
	}

	/** A delivery attempt was recorded: a `delivery` message, and an `issue` message for each issue it opened. */
	attemptRecorded(outcome: Pick<AttemptOutcome, 'attempt' | 'issues'>): void {
		const { attempt } = outcome
		if (!this.#byEnv.has(attempt.env_id)) return
		this.publish(attempt.env_id, 'deliveries', attempt.destination_id, attemptData(attempt))
		for (const issue of outcome.issues) {
			this.publish(attempt.env_id, 'issues', null, { id: issue.id, destination_id: attempt.destination_id, error_type: issue.errorType, message: issue.message, status: 'open' })
		}
	}

	/** `delivery` and `issue` messages: for `deliveries[:<destination_id>]` and `issues` subscribers. */
	publish(envId: string, kind: 'deliveries' | 'issues', scope: string | null, data: Record<string, unknown>): void {
		const conns = this.#byEnv.get(envId)
		if (!conns) return
		const type = kind === 'deliveries' ? 'delivery' : 'issue'
		for (const conn of conns) {
			for (const sub of conn.subs.values()) {
				if (sub.channel.kind !== kind || (sub.channel.scope !== null && sub.channel.scope !== scope)) continue
				this.#deliver(conn, { type, text: JSON.stringify({ type, channel: sub.channel.name, data }) })
			}
		}
	}

	/**
	 * A `websocket` destination's message to the subscribers of `channel` in `envId` (and no
	 * other environment). Returns how many took it: a client past its buffer cap is dropped
	 * (it resumes nothing: a broadcast is not stored) and not counted.
	 */
	broadcast(envId: string, channel: string, message: Record<string, unknown>): number {
		const conns = this.#byEnv.get(envId)
		if (!conns) return 0
		const frame: Frame = { type: String(message.type), text: JSON.stringify(message) }
		let sent = 0
		for (const conn of conns) {
			if (conn.subs.get(channel)?.channel.kind === 'destination' && this.#deliver(conn, frame)) sent++
		}
		return sent
	}

	#heartbeat(): void {
		const frame: Frame = { type: 'heartbeat', text: JSON.stringify({ type: 'heartbeat', ts: new Date().toISOString() }) }
		for (const set of this.#byEnv.values()) {
			for (const conn of set) {
				if (conn.sink.behind()) this.#drop(conn, 1013, 'client too slow: reconnect and resume with since')
				else this.#deliver(conn, frame)
				for (const sub of conn.subs.values()) sub.replayed = null
			}
		}
		void this.#recheck()
	}

	/** A stream outlives its upgrade: each heartbeat asks again whether its key or session is still good (one indexed read each). */
	async #recheck(): Promise<void> {
		const byPrincipal = new Map<string, LiveConnection[]>()
		for (const set of this.#byEnv.values()) {
			for (const conn of set) if (conn.principal) byPrincipal.set(conn.principal, [...(byPrincipal.get(conn.principal) ?? []), conn])
		}
		for (const [principal, conns] of byPrincipal) {
			let refused: string | null
			try {
				refused = await this.recheck(principal)
			} catch (err) {
				this.log.error('live credential recheck failed', { error: err instanceof Error ? err.message : String(err) })
				continue
			}
			if (refused !== null) for (const conn of conns) this.#drop(conn, 4401, refused)
		}
	}

	/** False when the client is gone or was just dropped for not reading. */
	#deliver(conn: LiveConnection, frame: Frame): boolean {
		if (conn.closed) return false
		if (conn.sink.send(frame)) return true
		this.#drop(conn, 1013, 'client too slow: reconnect and resume with since')
		return false
	}

	#drop(conn: LiveConnection, code: number, reason: string): void {
		if (conn.closed) return
		this.disconnect(conn)
		conn.sink.close(code, reason)
	}
}

function eventFrame(channel: string, row: EventRow, data: ReturnType<typeof eventData>): Frame {
	return { type: 'event', id: row.id, text: JSON.stringify({ type: 'event', channel, data }) }
}
