import type { ConnectionsService, DeliveryConnection } from '../connections/service'
import type { DestinationsService } from '../destinations/service'
import type { DeliveryTarget } from '../destinations/model'
import type { DestinationsRepo } from '../destinations/repo'
import type { EventsRepo } from '../events/repo'
import type { Clock } from '../lib/clock'
import { randomHex } from '../lib/crypto'
import type { Logger } from '../lib/log'
import { SingleFlightCache } from '../lib/single-flight-cache'
import { decideOutcome } from './attempt'
import { admission, type Circuit, toHalfOpen } from './breaker'
import { type OutboundResult, sendHttp } from './outbound'
import { GroupCommitter } from '../db/write'
import type { AttemptOutcome, DeliveryRepo, DeliveryRow } from './repo'
import { buildRequest } from './request'

export interface WorkerOptions {
	/** Attempts in flight across all destinations. */
	globalConcurrency: number
	/** Attempts in flight per destination (1 = strictly in order). */
	destinationConcurrency: number
	allowPrivateDestinations: boolean
	/** Milliseconds per second of `retry_intervals` (1000 in production). */
	retryUnitMs: number
	/** How long a lease holds before the sweeper hands the delivery to someone else. */
	leaseMs: number
}

export interface WorkerDeps {
	deliveries: DeliveryRepo
	/** Breaker transitions outside an attempt's transaction (half-open, re-probe). */
	circuits: Pick<DestinationsRepo, 'setCircuit'>
	events: EventsRepo
	destinations: DestinationsService
	connections: ConnectionsService
	clock: Clock
	log: Logger
	/** Told of each attempt once it is recorded (the live stream's `delivery` and `issue` messages). */
	onAttempt?: (outcome: AttemptOutcome) => void
}

/** The persisted breaker; a half-open state found at load means its probe died with a process: probe again. */
function storedCircuit(t: DeliveryTarget, now: number): Circuit {
	const r = t.row
	const c: Circuit = { state: r.circuit_state as Circuit['state'], failure_count: r.circuit_failure_count, opened_at: r.circuit_opened_at, next_probe_at: r.circuit_next_probe_at, last_transition_at: r.circuit_last_transition_at }
	return c.state === 'half-open' ? { ...c, state: 'open', next_probe_at: now } : c
}

const MAX_SLEEP_MS = 3_600_000

const failure = (error: string, errorType: OutboundResult['errorType']): OutboundResult => ({ ok: false, status: null, headers: null, body: null, durationMs: 0, error, errorType })

/**
 * Claims due deliveries with a lease and sends them, within global and
 * per-destination limits, honouring each destination's circuit breaker. It
 * sleeps until the earliest due time or a wake-up (new work, a finished
 * attempt, a config change) and never polls an empty queue.
 */
export class DeliveryWorker {
	readonly #owner = `w_${randomHex(6)}`
	readonly #inFlight = new Map<string, number>()
	readonly #running = new Set<Promise<void>>()
	/**
	 * The breaker of each destination lives here while the worker runs (and is
	 * persisted with every attempt): concurrent attempts must count failures
	 * one after another, not each from the same stale copy.
	 */
	readonly #circuits = new Map<string, Circuit>()
	/** Destinations (secrets opened) and connections (transform compiled), until they change. */
	readonly #targets = new SingleFlightCache<string, DeliveryTarget | null>((id) => this.deps.destinations.resolveForDelivery(id))
	readonly #connections = new SingleFlightCache<string, DeliveryConnection | null>((id) => this.deps.connections.findForDelivery(id))
	#total = 0
	/** Attempt outcomes share transactions: one commit per attempt would cost more than the attempt. */
	readonly #outcomes = new GroupCommitter<AttemptOutcome, number>((batch) => this.deps.deliveries.completeBatch(batch), 256)
	#timer: Timer | null = null
	#sweeper: Timer | null = null
	#ticking = false
	#again = false
	#stopping = false

	constructor(private readonly deps: WorkerDeps, private readonly opts: WorkerOptions) {}

	async start(): Promise<void> {
		// SQLite mode runs one server per data dir: leases left by a previous process are void now.
		await this.deps.deliveries.releaseExpired(Number.MAX_SAFE_INTEGER)
		this.#sweeper = setInterval(() => void this.#sweep(), Math.max(1000, this.opts.leaseMs / 2))
		this.#sweeper.unref()
		this.wake()
	}

	/** A destination changed (config or a manual breaker reset): reload its breaker and look again. */
	destinationChanged(id: string): void {
		this.#circuits.delete(id)
		this.#targets.invalidate(id)
		this.wake()
	}

	/** Any connection changed: its transform may be different now. */
	connectionsChanged(): void {
		this.#connections.clear()
	}

	#target(id: string): Promise<DeliveryTarget | null> {
		return this.#targets.get(id)
	}

	#connection(id: string): Promise<DeliveryConnection | null> {
		return this.#connections.get(id)
	}

	#circuit(target: DeliveryTarget, now: number): Circuit {
		let c = this.#circuits.get(target.row.id)
		if (!c) {
			c = storedCircuit(target, now)
			this.#circuits.set(target.row.id, c)
		}
		return c
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

	async #sweep(): Promise<void> {
		if ((await this.deps.deliveries.releaseExpired(this.deps.clock.now())) > 0) this.wake()
	}

	async #tick(): Promise<void> {
		if (this.#ticking || this.#stopping) return
		this.#ticking = true
		this.#again = false
		let earliest = Number.POSITIVE_INFINITY
		try {
			const now = this.deps.clock.now()
			for (const destinationId of await this.deps.deliveries.destinationsWithWork()) {
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
		const target = await this.#target(destinationId)
		// A paused or disabled destination keeps its queue until it is active again (a change wakes us).
		if (!target || target.row.status !== 'active') return Number.POSITIVE_INFINITY
		const circuit = this.#circuit(target, now)
		const gate = admission(circuit, target.breaker, now)
		if (gate === 'wait') return circuit.next_probe_at ?? Number.POSITIVE_INFINITY
		const busy = this.#inFlight.get(destinationId) ?? 0
		let free = Math.min(this.opts.destinationConcurrency - busy, this.opts.globalConcurrency - this.#total)
		if (gate === 'probe') free = busy === 0 ? Math.min(free, 1) : 0
		if (free > 0) {
			const rows = await this.deps.deliveries.claim(destinationId, now, free, this.#owner, now + this.opts.leaseMs)
			if (gate === 'probe' && rows.length > 0) {
				const halfOpen = toHalfOpen(circuit, now)
				this.#circuits.set(destinationId, halfOpen)
				await this.deps.circuits.setCircuit(destinationId, halfOpen)
			}
			for (const row of rows) this.#launch(row, target, gate === 'probe')
		}
		const due = await this.deps.deliveries.nextDueAt(destinationId)
		// Work already due but no free slot: a finishing attempt wakes us, no timer needed.
		return due !== null && due > now ? due : Number.POSITIVE_INFINITY
	}

	#launch(row: DeliveryRow, target: DeliveryTarget, probe: boolean): void {
		this.#inFlight.set(row.destination_id, (this.#inFlight.get(row.destination_id) ?? 0) + 1)
		this.#total++
		const run = this.#attempt(row, target, probe)
			.catch((err) => {
				this.deps.log.error('delivery attempt failed to record', { delivery: row.id, error: err instanceof Error ? err.stack : String(err) })
				// The lease expires and the sweeper requeues the delivery; a probe must not leave the breaker half-open.
				if (probe) void this.#reprobe(row.destination_id)
			})
			.finally(() => {
				this.#inFlight.set(row.destination_id, (this.#inFlight.get(row.destination_id) ?? 1) - 1)
				this.#total--
				this.#running.delete(run)
				this.wake()
			})
		this.#running.add(run)
	}

	async #attempt(row: DeliveryRow, target: DeliveryTarget, probe: boolean): Promise<void> {
		const now = this.deps.clock.now()
		const attemptNumber = row.attempts + 1
		const prepared = await this.#prepareBody(row)
		let result: OutboundResult
		let request = { url: target.row.url ?? '', method: target.row.method, recordedHeaders: null as Record<string, string> | null, bodySize: 0 }
		if ('error' in prepared) {
			result = failure(prepared.error, prepared.errorType)
		} else {
			const built = buildRequest(target, { eventId: row.event_id, attemptNumber, body: prepared.body, contentType: prepared.contentType, now })
			request = { url: built.request.url, method: built.request.method, recordedHeaders: built.recorded, bodySize: prepared.body.byteLength }
			result = await sendHttp(built.request, this.opts.allowPrivateDestinations)
		}
		const final = 'error' in prepared && (prepared.errorType === 'transform_error' || prepared.gone === true)
		const done = this.deps.clock.now()
		const outcome = decideOutcome({
			owner: this.#owner, delivery: row, target, circuit: await this.#currentCircuit(row.destination_id, target, probe, done),
			attemptNumber, request, result, now: done, retryUnitMs: this.opts.retryUnitMs, retryable: !final,
			reportable: !('error' in prepared && prepared.gone === true)
		})
		if (probe) outcome.attempt.trigger_type = 'probe'
		if (outcome.circuit) this.#circuits.set(row.destination_id, outcome.circuit)
		else if (probe) await this.#reprobe(row.destination_id) // no verdict on the destination: probe again
		await this.#outcomes.write(outcome)
		this.deps.onAttempt?.(outcome)
	}

	/**
	 * The breaker this attempt's verdict applies to. Read afresh: the destination may
	 * have changed (paused, reset) while the attempt was in flight. A probe's verdict
	 * is always a half-open verdict.
	 */
	async #currentCircuit(destinationId: string, launched: DeliveryTarget, probe: boolean, now: number): Promise<Circuit> {
		const current = this.#circuit((await this.#target(destinationId)) ?? launched, now)
		return probe && current.state !== 'half-open' ? toHalfOpen(current, now) : current
	}

	/** Back to open with a probe due now, persisted. */
	async #reprobe(destinationId: string): Promise<void> {
		const c = this.#circuits.get(destinationId)
		if (!c || c.state !== 'half-open') return
		const open: Circuit = { ...c, state: 'open', next_probe_at: this.deps.clock.now() }
		this.#circuits.set(destinationId, open)
		await this.deps.circuits.setCircuit(destinationId, open)
		this.wake()
	}

	/** The body to send: the raw bytes, or the connection's JSONata transform of the parsed payload. */
	async #prepareBody(row: DeliveryRow): Promise<{ body: Uint8Array; contentType: string | null } | { error: string; errorType: OutboundResult['errorType']; gone?: boolean }> {
		const event = await this.deps.events.findById(row.event_id)
		if (!event) return { error: 'event no longer stored (retention)', errorType: 'network_error' }
		const raw = event.payload_inline ?? (await this.deps.events.readPayload(event.id)) ?? new Uint8Array(0)
		try {
			// Inside the try: a stored expression that no longer compiles is a transform error too.
			const found = await this.#connection(row.connection_id)
			// A deleted connection's transform is gone too: sending the raw body could leak what it removed.
			if (!found) return { error: 'connection deleted; delivery abandoned', errorType: 'network_error', gone: true }
			if (!found.row.transform_enabled || !found.transform) return { body: raw, contentType: event.content_type }
			const input = JSON.parse(new TextDecoder().decode(raw)) as unknown
			const output = await found.transform.apply(input)
			return { body: new TextEncoder().encode(JSON.stringify(output)), contentType: 'application/json' }
		} catch (err) {
			return { error: `transform failed: ${err instanceof Error ? err.message : String(err)}`, errorType: 'transform_error' }
		}
	}

	/** Graceful stop: claim nothing more, give in-flight attempts `graceMs`, release what is left. */
	async stop(graceMs: number): Promise<void> {
		this.#stopping = true
		if (this.#timer) clearTimeout(this.#timer)
		if (this.#sweeper) clearInterval(this.#sweeper)
		const settled = Promise.allSettled([...this.#running])
		await Promise.race([settled, Bun.sleep(graceMs)])
		await this.#outcomes.drain()
		await this.deps.deliveries.releaseOwned(this.#owner)
	}
}
