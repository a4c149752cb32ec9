import type { ConnectionsService, DeliveryConnection } from '../connections/service'
import type { DestinationsService } from '../destinations/service'
import type { DeliveryTarget } from '../destinations/model'
import type { EventsRepo } from '../events/repo'
import type { Clock } from '../lib/clock'
import { randomHex } from '../lib/crypto'
import type { Logger } from '../lib/log'
import { SingleFlightCache } from '../lib/single-flight-cache'
import { LeasedAhead } from './ahead'
import { Linger } from './linger'
import { bodyToSend, sendBody } from './body'
import { decideOutcome } from './attempt'
import { admission, type Circuit, CLOSED, toHalfOpen } from './breaker'
import type { Circuits } from './circuits'
import { type DeliveryPolicy, policyOf } from './policy'
import { GroupCommitter } from '../db/write'
import type { AttemptOutcome, DeliveryRepo, DeliveryRow } from './repo'
import type { Providers } from './providers'
import { type OutboundGuard, type Resolver, systemResolver } from './ssrf'

export interface WorkerOptions {
	/** Attempts in flight across all destinations. */
	globalConcurrency: number
	/** Requests in flight per destination (1 = strictly in order); an answered attempt may still be committing. */
	destinationConcurrency: number
	allowPrivateDestinations: boolean
	/** Name resolution for the SSRF guard (tests inject one); the system resolver by default. */
	resolve?: Resolver
	/** Milliseconds per second of `retry_intervals` (1000 in production). */
	retryUnitMs: number
	/** How long a lease holds before the sweeper hands the delivery to someone else. */
	leaseMs: number
	/** How often expired leases (a crashed worker's) are handed back to the queue. */
	sweepIntervalMs?: number
}

export interface WorkerDeps {
	deliveries: DeliveryRepo
	/** The breaker state of every destination (its one reader and writer). */
	circuits: Circuits
	events: EventsRepo
	destinations: DestinationsService
	connections: ConnectionsService
	clock: Clock
	log: Logger
	/** Told of each attempt once it is recorded (the live stream's `delivery` and `issue` messages). */
	onAttempt?: (outcome: AttemptOutcome) => void
	/** Sends one attempt by destination type (http, queues, buses). */
	providers: Providers
}

/** A destination as the worker sends to it: secrets opened, retry and breaker policy read once. */
interface Target extends DeliveryTarget {
	policy: DeliveryPolicy
}

const MAX_SLEEP_MS = 3_600_000

/**
 * Claims due deliveries with a lease and sends them, within global and
 * per-destination limits, honouring each destination's circuit breaker. It
 * sleeps until the earliest due time or a wake-up (new work, a finished
 * attempt, a config change) and never polls an empty queue.
 */
export class DeliveryWorker {
	readonly #owner = `w_${randomHex(6)}`
	readonly #inFlight = new Map<string, number>()
	readonly #ahead: LeasedAhead<Target>
	/** Destinations whose held rows ran low since their last pass (one pass refills them). */
	readonly #refillAsked = new Set<string>()
	readonly #running = new Set<Promise<void>>()
	/** Destinations (secrets opened, policy read) and connections (transform compiled), until they change. */
	readonly #targets = new SingleFlightCache<string, Target | null>(async (id) => {
		const found = await this.deps.destinations.resolveForDelivery(id)
		return found && { ...found, policy: policyOf(found.row, this.opts.retryUnitMs) }
	})
	readonly #connections = new SingleFlightCache<string, DeliveryConnection | null>((id) => this.deps.connections.findForDelivery(id))
	#total = 0
	/**
	 * Attempt outcomes share transactions: one commit per attempt would cost more than the
	 * attempt. They linger up to 2 ms (or until 128 are waiting), so a destination with few
	 * requests in flight still commits many per transaction; no send waits for it.
	 */
	readonly #outcomes = new Linger(new GroupCommitter<AttemptOutcome, number>((batch) => this.deps.deliveries.completeBatch(batch), 256), { count: 128, ms: 2 })
	#timer: Timer | null = null
	#sweeper: Timer | null = null
	#ticking = false
	/** The last pass left a destination short of its own limit because the global one was full. */
	#globalBound = false
	#again = false
	#stopping = false
	/** Finished passes over the queue; `settled()` watches it. */
	#passes = 0

	readonly #guard: OutboundGuard

	constructor(private readonly deps: WorkerDeps, private readonly opts: WorkerOptions) {
		this.#guard = { allowPrivate: opts.allowPrivateDestinations, resolve: opts.resolve ?? systemResolver }
		// Twice the destination's concurrency, at least 64: a claim per half of that many sends.
		this.#ahead = new LeasedAhead(deps.deliveries, { owner: this.#owner, leaseMs: opts.leaseMs, depth: Math.max(64, 2 * opts.destinationConcurrency) })
	}

	async start(): Promise<void> {
		// SQLite mode runs one server per data dir: leases left by a previous process are void now.
		await this.deps.deliveries.releaseExpired(Number.MAX_SAFE_INTEGER)
		this.#sweeper = setInterval(() => void this.#sweep(), this.opts.sweepIntervalMs ?? Math.max(1000, this.opts.leaseMs / 2))
		this.#sweeper.unref()
		this.wake()
	}

	/**
	 * A destination changed (config, status, breaker reset or deletion): reload it and
	 * look again. A deleted destination's pending deliveries can never be made: they are
	 * closed, so their events settle.
	 */
	destinationChanged(id: string): void {
		this.#targets.invalidate(id)
		void this.#giveBack(id)
		void this.#closeIfDeleted(id)
		this.wake()
	}

	async #closeIfDeleted(id: string): Promise<void> {
		try {
			if (await this.deps.destinations.exists(id)) return
			this.deps.circuits.forget(id)
			await this.deps.deliveries.abandonDestination(id, this.deps.clock.now())
		} catch (err) {
			this.deps.log.error('closing deliveries of a deleted destination failed', { destination: id, error: err instanceof Error ? err.message : String(err) })
		}
	}

	/** Any connection changed: its transform may be different now. */
	connectionsChanged(): void {
		this.#connections.clear()
	}

	#target(id: string): Promise<Target | null> {
		return this.#targets.get(id)
	}

	#connection(id: string): Promise<DeliveryConnection | null> {
		return this.#connections.get(id)
	}

	/** Coalesced: many wake-ups in one turn make one tick. */
	wake(): void {
		if (this.#stopping) return
		if (this.#ticking) {
			this.#again = true
			return
		}
		setImmediate(() => void this.#tick())
	}

	/**
	 * Resolves once a full pass over the queue that began after this call has
	 * finished and no attempt is in flight: everything committed before the call
	 * has been looked at, and whatever was due has been sent and recorded. Lets
	 * tests assert that something was *not* sent without sleeping and hoping.
	 */
	async settled(timeoutMs = 10_000): Promise<void> {
		const deadline = Date.now() + timeoutMs
		while (!this.#stopping) {
			// A pass already running may have read the queue before the call: wait for the one after it.
			const target = this.#passes + (this.#ticking ? 2 : 1)
			this.wake()
			while (this.#passes < target && !this.#stopping) {
				if (Date.now() > deadline) throw new Error('delivery worker did not settle in time')
				await Bun.sleep(5)
			}
			if (this.#running.size === 0) return
			await Promise.allSettled([...this.#running])
		}
	}

	async #sweep(): Promise<void> {
		if ((await this.deps.deliveries.releaseExpired(this.deps.clock.now())) > 0) this.wake()
	}

	async #tick(): Promise<void> {
		if (this.#ticking || this.#stopping) return
		this.#ticking = true
		this.#again = false
		this.#globalBound = false
		let earliest = Number.POSITIVE_INFINITY
		try {
			const now = this.deps.clock.now()
			// Rows claimed ahead are leased, not queued: their destinations need serving too.
			const destinations = new Set([...(await this.deps.deliveries.destinationsWithWork()), ...this.#ahead.destinations()])
			for (const destinationId of destinations) {
				// One broken destination (e.g. secrets sealed with another key) must not starve the others.
				try {
					earliest = Math.min(earliest, await this.#serve(destinationId, now))
				} catch (err) {
					this.deps.log.error('serving a destination failed', { destination: destinationId, error: err instanceof Error ? err.message : String(err) })
					earliest = Math.min(earliest, now + 5000)
				}
			}
		} catch (err) {
			this.deps.log.error('delivery tick failed', { error: err instanceof Error ? err.stack : String(err) })
			earliest = this.deps.clock.now() + 1000
		} finally {
			this.#ticking = false
			this.#passes++
		}
		if (this.#again) this.wake()
		else this.#sleepUntil(earliest)
	}

	#sleepUntil(at: number): void {
		if (this.#timer) clearTimeout(this.#timer)
		this.#timer = null
		if (!Number.isFinite(at) || this.#stopping) return
		// setTimeout fires at once for delays past 2^31 ms (~24.8 days); look again hourly instead.
		this.#timer = setTimeout(() => this.wake(), Math.min(MAX_SLEEP_MS, Math.max(0, at - this.deps.clock.now())))
	}

	/** Starts what one destination may send now; returns when it next needs attention. */
	async #serve(destinationId: string, now: number): Promise<number> {
		this.#refillAsked.delete(destinationId)
		const target = await this.#target(destinationId)
		const circuit = target ? await this.deps.circuits.current(destinationId) : null
		const gate = target && circuit ? admission(circuit, target.policy.breaker, now) : 'wait'
		// A paused or disabled destination keeps its queue until it is active again (a change wakes us);
		// rows claimed ahead go back to it, as they do while the breaker is open or a probe goes alone.
		if (gate !== 'send' || target?.row.status !== 'active') await this.#giveBack(destinationId)
		if (!target || !circuit || target.row.status !== 'active') return Number.POSITIVE_INFINITY
		if (gate === 'wait') return circuit.next_probe_at ?? Number.POSITIVE_INFINITY
		const busy = this.#inFlight.get(destinationId) ?? 0
		const free = Math.min(this.opts.destinationConcurrency - busy, this.opts.globalConcurrency - this.#total)
		if (this.opts.globalConcurrency - this.#total < this.opts.destinationConcurrency - busy) this.#globalBound = true
		if (gate === 'probe' && busy === 0 && free > 0) {
			const rows = await this.deps.deliveries.claim(destinationId, now, 1, this.#owner, now + this.opts.leaseMs)
			if (rows.length > 0) await this.deps.circuits.move(destinationId, toHalfOpen(circuit, now))
			for (const row of rows) this.#launch(row, target, true)
		} else if (gate === 'send') {
			for (const row of await this.#ahead.take(destinationId, target, now, Math.max(0, free))) this.#launch(row, target, false)
		}
		const due = await this.deps.deliveries.nextDueAt(destinationId)
		// Work already due but no free slot: a finishing attempt wakes us, no timer needed.
		return due !== null && due > now ? due : Number.POSITIVE_INFINITY
	}

	/**
	 * A slot of this destination just freed: start the next held row at once, without a pass
	 * over the queue. A pass is asked for when the breaker is not closed or another destination
	 * waits for a global slot (the pass shares them), and once per claim when held rows run low
	 * (a pass per answer would mostly find nothing to do).
	 */
	#sendNext(destinationId: string): void {
		const target = this.#ahead.targetOf(destinationId)
		const circuit = this.deps.circuits.known(destinationId)
		const now = this.deps.clock.now()
		if (this.#stopping || this.#globalBound || !circuit || (target && admission(circuit, target.policy.breaker, now) !== 'send')) return this.wake()
		if (target) {
			const free = Math.min(this.opts.destinationConcurrency - (this.#inFlight.get(destinationId) ?? 0), this.opts.globalConcurrency - this.#total)
			const rows = this.#ahead.takeHeld(destinationId, now, free)
			for (const row of rows) this.#launch(row, target, false)
			// Rows still held but not handed out are too old to send: a pass gives them back and claims afresh.
			if (rows.length < free && this.#ahead.targetOf(destinationId)) return this.wake()
		}
		if (!this.#ahead.low(destinationId) || this.#refillAsked.has(destinationId)) return
		this.#refillAsked.add(destinationId)
		this.wake()
	}

	async #giveBack(destinationId: string): Promise<void> {
		try {
			await this.#ahead.giveBack(destinationId)
		} catch (err) {
			// The leases lapse and the sweeper requeues the rows.
			this.deps.log.error('giving back claimed deliveries failed', { destination: destinationId, error: err instanceof Error ? err.message : String(err) })
		}
	}

	/**
	 * Sends one delivery. Its slot frees as soon as the request is answered: the next send
	 * need not wait for this attempt's commit. The delivery stays leased (nobody else sends
	 * it) until its outcome is committed, and `#running` holds it until then.
	 */
	#launch(row: DeliveryRow, target: Target, probe: boolean): void {
		this.#inFlight.set(row.destination_id, (this.#inFlight.get(row.destination_id) ?? 0) + 1)
		this.#total++
		let sending = true
		const sent = () => {
			if (!sending) return
			sending = false
			this.#inFlight.set(row.destination_id, (this.#inFlight.get(row.destination_id) ?? 1) - 1)
			this.#total--
			this.#sendNext(row.destination_id)
		}
		const run = this.#attempt(row, target, probe, sent)
			.catch((err) => {
				this.deps.log.error('delivery attempt failed to record', { delivery: row.id, error: err instanceof Error ? err.stack : String(err) })
				// The lease expires and the sweeper requeues the delivery; a probe must not leave the breaker half-open.
				if (probe) void this.#reprobe(row.destination_id)
			})
			.finally(() => {
				sent()
				this.#running.delete(run)
			})
		this.#running.add(run)
	}

	async #attempt(row: DeliveryRow, target: Target, probe: boolean, sent: () => void): Promise<void> {
		const now = this.deps.clock.now()
		const attemptNumber = row.attempts + 1
		const prepared = await bodyToSend(this.deps.events, (id) => this.#connection(id), row)
		const { request, result } = await sendBody(this.deps.providers, target, row, prepared, attemptNumber, this.#guard, now)
		const final = 'error' in prepared && (prepared.errorType === 'transform_error' || prepared.gone === true)
		const done = this.deps.clock.now()
		const outcome = decideOutcome({
			owner: this.#owner, delivery: row, policy: target.policy, circuit: await this.#currentCircuit(row.destination_id, probe, done),
			attemptNumber, request, result, now: done, retryable: !final,
			reportable: !('error' in prepared && prepared.gone === true)
		})
		if (probe) outcome.attempt.trigger_type = 'probe'
		if (outcome.circuit) this.deps.circuits.adopt(row.destination_id, outcome.circuit)
		sent()
		if (!outcome.circuit && probe) await this.#reprobe(row.destination_id) // no verdict on the destination: probe again
		await this.#outcomes.write(outcome)
		this.deps.onAttempt?.(outcome)
		// A retry is in the queue only now: look again so its due time sets the timer.
		if (outcome.next.state === 'queued') this.wake()
	}

	/**
	 * The breaker this attempt's verdict applies to. Read afresh: the destination may
	 * have changed (paused, reset) while the attempt was in flight. A probe's verdict
	 * is always a half-open verdict.
	 */
	async #currentCircuit(destinationId: string, probe: boolean, now: number): Promise<Circuit> {
		// Deleted meanwhile: the verdict is void anyway (the delivery was closed and its lease lost).
		const current = (await this.deps.circuits.current(destinationId)) ?? CLOSED
		return probe && current.state !== 'half-open' ? toHalfOpen(current, now) : current
	}

	/** Back to open with a probe due now, persisted. */
	async #reprobe(destinationId: string): Promise<void> {
		const c = await this.deps.circuits.current(destinationId)
		if (!c || c.state !== 'half-open') return
		await this.deps.circuits.move(destinationId, { ...c, state: 'open', next_probe_at: this.deps.clock.now() })
		this.wake()
	}

	/** Graceful stop: claim nothing more, give in-flight attempts `graceMs`, release what is left. */
	async stop(graceMs: number): Promise<void> {
		this.#stopping = true
		if (this.#timer) clearTimeout(this.#timer)
		if (this.#sweeper) clearInterval(this.#sweeper)
		const settled = Promise.allSettled([...this.#running])
		await Promise.race([settled, Bun.sleep(graceMs)])
		await this.#outcomes.drain()
		this.#ahead.clear()
		await this.deps.deliveries.releaseOwned(this.#owner)
	}
}
