import type { AttemptsRepo } from '../attempts/repo'
import type { AttemptOutcome, AttemptRow } from '../delivery/repo'
import type { PendingEvent } from '../events/repo'
import type { IssuesRepo } from '../issues/repo'
import type { Clock } from '../lib/clock'
import { idFloorAt } from '../lib/ids'
import type { Logger } from '../lib/log'
import type { LiveHub } from '../live/hub'
import { REPLAY_LIMIT } from '../live/model'
import type { LiveRepo, StoredEvent } from '../live/repo'
import type { ClusterBus } from './bus'
import { perTurn, publishLogged } from './per-turn'

export const EVENTS_TOPIC = 'live.events'
export const ATTEMPTS_TOPIC = 'live.attempts'

/** Event ids per item of a `live.events` message: `[env_id, source_id, ...ids]` stays well under one notification. */
const IDS_PER_ITEM = 150
/** Rows read per query when loading another instance's events or attempts. */
const LOAD_CHUNK = 500
/** How long fanned-out ids are remembered, so a catch-up after a reconnect sends none twice; also the furthest a catch-up looks back. */
const RECENT_MS = 5 * 60_000
const RECENT_MAX = 100_000
/** Ids are minted when a request arrives, the notification follows the commit: look back this much further than the last message heard. */
const CATCH_UP_MARGIN_MS = 10_000
/** Replay pages per environment in one catch-up (REPLAY_LIMIT events each). */
const CATCH_UP_PAGES = 10

export interface LiveRelayDeps {
	bus: ClusterBus
	hub: LiveHub
	live: LiveRepo
	attempts: Pick<AttemptsRepo, 'findByIds'>
	issues: Pick<IssuesRepo, 'findByIds'>
	clock: Clock
	log: Logger
}

/**
 * `/v1/ws` and `/v1/events/stream` across instances. After each committed ingest batch the
 * instance sends the ids it stored (one message, sliced when large); an instance with
 * clients watching that environment loads the rows by id and feeds its hub exactly as a
 * local commit does. Recorded attempts travel the same way. After a reconnect of the listen
 * connection, watched environments are read again from shortly before the last message
 * heard, skipping what was already sent.
 */
export class LiveRelay {
	/** Event ids this instance's hub has fanned out lately (id → when), oldest first. */
	readonly #recent = new Map<string, number>()
	/** Remote batches are handled one after another, so their events keep their order. */
	#chain: Promise<void> = Promise.resolve()
	/** Recorded attempts as `[env_id, attempt_id, ...issue_ids]`: those of one turn go out as one message. */
	readonly #attemptsOut = perTurn<string[]>((items) => this.#publish(ATTEMPTS_TOPIC, items))

	constructor(private readonly deps: LiveRelayDeps) {
		deps.bus.subscribe(EVENTS_TOPIC, (payload) => this.#enqueue(() => this.#remoteEvents(payload)))
		deps.bus.subscribe(ATTEMPTS_TOPIC, (payload) => this.#enqueue(() => this.#remoteAttempts(payload)))
		deps.bus.onResume((lastHeardAt) => this.#enqueue(() => this.#catchUp(lastHeardAt)))
	}

	/** After an ingest commit (the local hub has had the batch): tell the others, remember what was streamed here. */
	eventsCommitted(batch: readonly PendingEvent[]): void {
		const bySource = new Map<string, { envId: string; ids: string[] }>()
		for (const { row } of batch) {
			let group = bySource.get(row.source_id)
			if (!group) bySource.set(row.source_id, (group = { envId: row.env_id, ids: [] }))
			group.ids.push(row.id)
		}
		const items: string[][] = []
		for (const [sourceId, { envId, ids }] of bySource) {
			if (this.deps.hub.watching(envId, 'events', sourceId)) this.#remember(ids)
			for (let i = 0; i < ids.length; i += IDS_PER_ITEM) items.push([envId, sourceId, ...ids.slice(i, i + IDS_PER_ITEM)])
		}
		this.#publish(EVENTS_TOPIC, items)
	}

	/** An attempt was recorded here (its transaction committed): the attempts of one turn go out as one message. */
	attemptRecorded(outcome: AttemptOutcome): void {
		const { attempt, issues } = outcome
		this.#attemptsOut([attempt.env_id, attempt.id, ...issues.map((i) => i.id)])
	}

	/** Waits for remote batches being loaded (tests, shutdown). */
	idle(): Promise<void> {
		return this.#chain
	}

	#publish(topic: string, items: unknown[]): void {
		if (items.length === 0) return
		publishLogged(this.deps.bus, this.deps.log, 'publishing live ids', topic, items)
	}

	#enqueue(work: () => Promise<void>): void {
		this.#chain = this.#chain.then(work).catch((err: unknown) => this.deps.log.error('cluster: live relay failed', { error: err instanceof Error ? err.stack : String(err) }))
	}

	async #remoteEvents(payload: unknown): Promise<void> {
		const ids: string[] = []
		for (const item of Array.isArray(payload) ? payload : []) {
			if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'string' || !this.deps.hub.watching(item[0], 'events', item[1])) continue
			for (const id of item.slice(2)) if (typeof id === 'string' && !this.#recent.has(id)) ids.push(id)
		}
		for (let i = 0; i < ids.length; i += LOAD_CHUNK) this.#fanOut(await this.deps.live.eventsByIds(ids.slice(i, i + LOAD_CHUNK)))
	}

	async #remoteAttempts(payload: unknown): Promise<void> {
		const wanted: string[][] = []
		for (const item of Array.isArray(payload) ? payload : []) {
			if (!Array.isArray(item) || !item.every((v) => typeof v === 'string')) continue
			const [envId, attemptId] = item as string[]
			if (envId && attemptId && (this.deps.hub.watching(envId, 'deliveries') || this.deps.hub.watching(envId, 'issues'))) wanted.push(item as string[])
		}
		// One query for the attempts of a chunk and one for their issues, then fed to the hub in the message's order.
		for (let i = 0; i < wanted.length; i += LOAD_CHUNK) {
			const chunk = wanted.slice(i, i + LOAD_CHUNK)
			const [attempts, issues] = await Promise.all([
				this.deps.attempts.findByIds(chunk.map((item) => item[1] as string)),
				this.deps.issues.findByIds(chunk.flatMap((item) => item.slice(2)))
			])
			const attemptById = new Map(attempts.map((a) => [a.id, a]))
			const issueById = new Map(issues.map((issue) => [issue.id, { id: issue.id, errorType: issue.error_type, message: issue.message }]))
			for (const [, attemptId, ...issueIds] of chunk) {
				const found = attemptById.get(attemptId as string)
				if (!found) continue
				const { connection_name: _c, destination_name: _d, ...attempt } = found
				this.deps.hub.attemptRecorded({ attempt: attempt as AttemptRow, issues: issueIds.flatMap((id) => issueById.get(id) ?? []) })
			}
		}
	}

	/**
	 * Messages sent while the listen connection was down are lost: read each watched
	 * environment again from shortly before the last message heard (never further back than
	 * the ids remembered), and stream what this hub has not sent yet.
	 */
	async #catchUp(lastHeardAt: number): Promise<void> {
		const now = this.deps.clock.now()
		const from = Math.max(lastHeardAt - CATCH_UP_MARGIN_MS, now - RECENT_MS)
		for (const envId of this.deps.hub.watchedEnvs('events')) {
			let after = idFloorAt('evt', from)
			for (let page = 0; page < CATCH_UP_PAGES; page++) {
				const { events, more } = await this.deps.live.eventsAfter(envId, null, after, REPLAY_LIMIT, this.deps.hub.replayBytes)
				this.#fanOut(events.filter((e) => !this.#recent.has(e.row.id)))
				const last = events.at(-1)
				if (!more || !last) break
				after = last.row.id
			}
		}
	}

	#fanOut(events: StoredEvent[]): void {
		if (events.length === 0) return
		this.#remember(events.map((e) => e.row.id))
		this.deps.hub.eventsCommitted(events)
	}

	#remember(ids: string[]): void {
		const now = this.deps.clock.now()
		for (const id of ids) this.#recent.set(id, now)
		for (const [id, at] of this.#recent) {
			if (at > now - RECENT_MS && this.#recent.size <= RECENT_MAX) break
			this.#recent.delete(id)
		}
	}
}
