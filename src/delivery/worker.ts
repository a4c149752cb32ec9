import { randomHex } from '../lib/crypto'
import { LeasedAhead } from './ahead'
import { Linger } from './linger'
import { admission, toHalfOpen } from './breaker'
import { DestinationOwnership, SOLE_INSTANCE } from './ownership'
import { PayloadsAhead } from './payloads-ahead'
import { GroupCommitter } from '../db/write'
import type { AttemptOutcome, DeliveryRow } from './repo'
import { defaultGuard, systemResolver } from './ssrf'
import { AttemptRunner, type Target } from './worker-attempt'
import type { WorkerDeps, WorkerOptions } from './worker-options'
import { WorkerTargets } from './worker-targets'

export type { WorkerDeps, WorkerOptions } from './worker-options'

const MAX_SLEEP_MS = 3_600_000
const DEFAULT_OWNERSHIP_LEASE_MS = 15_000
const DEFAULT_POLL_MS = 1000

/**
 * Claims due deliveries with a lease and sends them, within global and
 * per-destination limits, honouring each destination's circuit breaker. It
 * sleeps until the earliest due time or a wake-up (new work, a finished
 * attempt, a config change) and never polls an empty queue on its own database
 * (on a shared one it also looks every `pollMs` for work other instances ingested).
 * It sends only to the destinations it owns (ownership.ts).
 */
export class DeliveryWorker {
	/** This process's instance id: owner of its destination and delivery leases. */
	readonly instanceId = `w_${randomHex(6)}`
	readonly #ahead: LeasedAhead<Target>
	readonly #ownership: DestinationOwnership
	readonly #runner: AttemptRunner
	/** Destinations whose held rows ran low since their last pass (one pass refills them). */
	readonly #refillAsked = new Set<string>()
	readonly #targets: WorkerTargets
	/**
	 * Attempt outcomes share transactions: one commit per attempt would cost more than the
	 * attempt. They linger up to 2 ms (or until 128 are waiting), so a destination with few
	 * requests in flight still commits many per transaction; no send waits for it.
	 */
	readonly #outcomes = new Linger(new GroupCommitter<AttemptOutcome, number>((batch) => this.deps.deliveries.completeBatch(batch), 256), { count: 128, ms: 2 })
	#timer: Timer | null = null
	readonly #intervals: Timer[] = []
	#ticking = false
	/** The last pass left a destination short of its own limit because the global one was full. */
	#globalBound = false
	#again = false
	#stopping = false
	/** Halted as if the process died (tests of failover): nothing more is written or released. */
	#halted = false
	/** Finished passes over the queue; `settled()` watches it. */
	#passes = 0

	constructor(private readonly deps: WorkerDeps, private readonly opts: WorkerOptions) {
		this.#targets = new WorkerTargets(deps, opts.retryUnitMs)
		const guard = { ...defaultGuard(opts.allowPrivateDestinations), resolve: opts.resolve ?? systemResolver }
		// Alone on its database (SQLite), every delete of events is seen: a claim's payloads are read with it.
		const payloads = opts.shared ? null : new PayloadsAhead(deps.deliveries)
		// Twice the destination's concurrency, at least 64: a claim per half of that many sends.
		this.#ahead = new LeasedAhead(deps.deliveries, { owner: this.instanceId, leaseMs: opts.leaseMs, depth: Math.max(64, 2 * opts.destinationConcurrency) }, payloads)
		this.#ownership = new DestinationOwnership(opts.shared ? deps.deliveries : SOLE_INSTANCE, { owner: this.instanceId, leaseMs: this.#ownershipLeaseMs })
		this.#runner = new AttemptRunner({
			circuits: deps.circuits, events: deps.events, providers: deps.providers, clock: deps.clock, guard, owner: this.instanceId,
			connection: (id) => this.#targets.connection(id), cachedConnection: (id) => this.#targets.cachedConnection(id), readAhead: (id) => payloads?.take(id), record: (o) => this.#outcomes.write(o), onAttempt: deps.onAttempt,
			log: deps.log, slotFreed: (id) => this.#sendNext(id), wake: () => this.wake(), halted: () => this.#halted
		})
	}

	get #ownershipLeaseMs(): number {
		return this.opts.ownershipLeaseMs ?? DEFAULT_OWNERSHIP_LEASE_MS
	}

	async start(): Promise<void> {
		// SQLite runs one server per data dir: leases left by a previous process are void now. On a
		// shared database they belong to live instances; a dead one's are swept once its ownership lapses.
		if (!this.opts.shared) await this.deps.deliveries.releaseExpired(Number.MAX_SAFE_INTEGER)
		this.#every(this.opts.sweepIntervalMs ?? Math.max(1000, this.opts.leaseMs / 2), () => this.#sweep())
		this.#every(this.#ownershipLeaseMs / 3, () => this.#heartbeat())
		if (this.opts.shared) this.#every(this.opts.pollMs ?? Math.min(DEFAULT_POLL_MS, this.#ownershipLeaseMs / 3), async () => this.wake())
		this.wake()
	}

	#every(ms: number, fn: () => Promise<void>): void {
		const t = setInterval(() => {
			fn().catch((err) => this.deps.log.error('delivery housekeeping failed', { error: err instanceof Error ? err.message : String(err) }))
		}, ms)
		t.unref()
		this.#intervals.push(t)
	}

	/** Destinations this instance owns now (tests, diagnostics). */
	ownedDestinations(): string[] {
		const now = this.deps.clock.now()
		return this.#ownership.held().filter((id) => this.#ownership.owns(id, now))
	}

	/**
	 * A destination changed (config, status, breaker reset or deletion): reload it and
	 * look again. A deleted destination's pending deliveries can never be made: they are
	 * closed, so their events settle.
	 */
	destinationChanged(id: string): void {
		this.#targets.invalidate(id)
		// Another instance may have written the breaker (a manual reset): a newer transition wins.
		if (this.opts.shared) void this.deps.circuits.refresh(id)
		void this.#giveBack(id)
		void this.#targets.closeIfDeleted(id)
		this.wake()
	}

	/** Any connection changed: its transform may be different now. */
	connectionsChanged(): void {
		this.#targets.clearConnections()
	}

	/**
	 * Changes made elsewhere may have gone unheard (a cluster resync after the listen
	 * connection dropped): every destination and connection is read afresh, with work or not.
	 */
	cachesStale(): void {
		this.#targets.clear()
		this.wake()
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
			const running = this.#runner.running()
			if (running.length === 0) return
			await Promise.allSettled(running)
		}
	}

	async #sweep(): Promise<void> {
		if ((await this.deps.deliveries.releaseExpired(this.deps.clock.now())) > 0) this.wake()
	}

	/**
	 * Renews the destinations owned; a destination lost (taken over after a missed renewal)
	 * is dropped with what was claimed ahead for it. Deliveries still leased by instances
	 * that lost their destination go back to the queue.
	 */
	async #heartbeat(): Promise<void> {
		if (this.#stopping) return
		const { lost, swept } = await this.#ownership.heartbeat(this.deps.clock.now())
		for (const id of lost) {
			this.deps.log.warn('lost a destination to another instance', { destination: id })
			await this.#giveBack(id)
			this.deps.circuits.forget(id)
		}
		if (swept > 0) this.wake()
	}

	/** The destinations of this pass this instance owns, taking the free ones (and what a previous owner left). */
	async #owned(destinations: Set<string>, now: number): Promise<string[]> {
		// Idle: no queued work, nothing claimed ahead, no attempt waiting for its record. Its breaker
		// is all in storage then: the API reads it there while another instance may own it.
		for (const id of await this.#ownership.releaseIdle(now, (id) => !destinations.has(id) && this.#runner.idle(id))) this.deps.circuits.forget(id)
		// A breaker may have moved under another owner: reload it.
		for (const id of await this.#ownership.take([...destinations], now)) this.deps.circuits.forget(id)
		const mine: string[] = []
		for (const id of destinations) {
			if (this.#ownership.owns(id, now)) mine.push(id)
			else await this.#giveBack(id) // rows claimed ahead for a destination lost since
		}
		return mine
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
			const withWork = [...(await this.deps.deliveries.destinationsWithWork()), ...this.#ahead.destinations()]
			const destinations = await this.#owned(new Set(withWork), now)
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
		const target = await this.#targets.get(destinationId)
		const circuit = target ? await this.deps.circuits.current(destinationId) : null
		const gate = target && circuit ? admission(circuit, target.policy.breaker, now) : 'wait'
		// A paused or disabled destination keeps its queue until it is active again (a change wakes us);
		// rows claimed ahead go back to it, as they do while the breaker is open or a probe goes alone.
		if (gate !== 'send' || target?.row.status !== 'active') await this.#giveBack(destinationId)
		if (!target || !circuit || target.row.status !== 'active') return Number.POSITIVE_INFINITY
		if (gate === 'wait') return circuit.next_probe_at ?? Number.POSITIVE_INFINITY
		const busy = this.#runner.busy(destinationId)
		const free = Math.min(this.opts.destinationConcurrency - busy, this.opts.globalConcurrency - this.#runner.total)
		if (this.opts.globalConcurrency - this.#runner.total < this.opts.destinationConcurrency - busy) this.#globalBound = true
		if (gate === 'probe' && busy === 0 && free > 0) {
			const rows = await this.deps.deliveries.claim(destinationId, now, 1, this.instanceId, now + this.opts.leaseMs)
			if (rows.length > 0) await this.deps.circuits.move(destinationId, toHalfOpen(circuit, now))
			// A probe reads its event when it is sent (no epoch guards a copy outside the rows held ahead).
			for (const row of rows) {
				row.ahead = undefined
				this.#runner.launch(row, target, true)
			}
		} else if (gate === 'send') {
			for (const row of await this.#ahead.take(destinationId, target, now, Math.max(0, free))) this.#runner.launch(row, target, false)
		}
		// Work already due but no free slot: a finishing attempt wakes us, no timer needed.
		return (await this.deps.deliveries.nextDueAfter(destinationId, now)) ?? Number.POSITIVE_INFINITY
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
			const free = Math.min(this.opts.destinationConcurrency - this.#runner.busy(destinationId), this.opts.globalConcurrency - this.#runner.total)
			const rows = this.#ahead.takeHeld(destinationId, now, free)
			for (const row of rows) this.#runner.launch(row, target, false)
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

	/** Graceful stop: claim nothing more, give in-flight attempts `graceMs`, release what is left. */
	async stop(graceMs: number): Promise<void> {
		if (this.#halted) return
		this.#halt()
		const settled = Promise.allSettled(this.#runner.running())
		await Promise.race([settled, Bun.sleep(graceMs)])
		await this.#outcomes.drain()
		this.#ahead.clear()
		await this.deps.deliveries.releaseOwned(this.instanceId)
		// Another instance may take these destinations at once instead of after the lease.
		await this.#ownership.releaseAll()
	}

	/**
	 * Stops as a killed process would (tests of failover, in place of kill -9): no more
	 * claims, renewals, records or releases. Attempts in flight may still reach their
	 * receivers, unrecorded; this instance's leases run out and another instance takes
	 * its destinations and their leased deliveries over.
	 */
	halt(): void {
		this.#halted = true
		this.#halt()
		this.#ownership.abandon()
	}

	#halt(): void {
		this.#stopping = true
		if (this.#timer) clearTimeout(this.#timer)
		for (const t of this.#intervals) clearInterval(t)
	}
}
