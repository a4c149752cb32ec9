import type { DeliveryConnection } from '../connections/service'
import type { DeliveryTarget } from '../destinations/model'
import type { EventToDeliver } from '../events/queries'
import type { EventsRepo } from '../events/repo'
import type { Clock } from '../lib/clock'
import type { Logger } from '../lib/log'
import { decideOutcome } from './attempt'
import { bodyToSend, sendBody } from './body'
import { type Circuit, CLOSED, toHalfOpen } from './breaker'
import type { Circuits } from './circuits'
import type { DeliveryPolicy } from './policy'
import type { Providers } from './providers'
import type { AttemptOutcome, DeliveryRow } from './repo'
import type { OutboundGuard } from './ssrf'

/** A destination as the worker sends to it: secrets opened, retry and breaker policy read once. */
export interface Target extends DeliveryTarget {
	policy: DeliveryPolicy
}

export interface AttemptDeps {
	circuits: Circuits
	events: EventsRepo
	providers: Providers
	clock: Clock
	guard: OutboundGuard
	/** The lease owner written into each outcome (this instance). */
	owner: string
	connection(id: string): Promise<DeliveryConnection | null>
	/** The connection when already loaded, without a promise. */
	cachedConnection(id: string): DeliveryConnection | undefined
	/** What was read of a delivery's event with its claim, if anything (payloads-ahead.ts). */
	readAhead(deliveryId: string): EventToDeliver | undefined
	/** Group-committed with other outcomes. */
	record(outcome: AttemptOutcome): Promise<void>
	onAttempt?: (outcome: AttemptOutcome) => void
	log: Logger
	/** A request of this destination was answered (or failed): its slot is free. */
	slotFreed(destinationId: string): void
	wake(): void
	/** True once the worker was halted as if its process died: nothing more is written. */
	halted(): boolean
}

/** Attempts in flight, each from reading its body to recording its outcome, and the slots they hold. */
export class AttemptRunner {
	readonly #inFlight = new Map<string, number>()
	/** Attempts per destination not yet recorded. */
	readonly #unsettled = new Map<string, number>()
	readonly #running = new Set<Promise<void>>()
	#total = 0

	constructor(private readonly deps: AttemptDeps) {}

	/** Requests to this destination not answered yet. */
	busy(destinationId: string): number {
		return this.#inFlight.get(destinationId) ?? 0
	}

	/** Requests not answered yet, all destinations. */
	get total(): number {
		return this.#total
	}

	/** No attempt of this destination is in flight or waiting for its record. */
	idle(destinationId: string): boolean {
		return !this.#unsettled.get(destinationId)
	}

	/** Every attempt not yet recorded. */
	running(): Promise<void>[] {
		return [...this.#running]
	}

	/**
	 * Sends one delivery. Its slot frees as soon as the request is answered: the next send
	 * need not wait for this attempt's commit. The delivery stays leased (nobody else sends
	 * it) until its outcome is committed, and `running()` holds it until then.
	 */
	launch(row: DeliveryRow, target: Target, probe: boolean): void {
		const id = row.destination_id
		const bump = (m: Map<string, number>, by: number) => m.set(id, (m.get(id) ?? 0) + by)
		bump(this.#inFlight, 1)
		bump(this.#unsettled, 1)
		this.#total++
		let sending = true
		const sent = () => {
			if (!sending) return
			sending = false
			bump(this.#inFlight, -1)
			this.#total--
			this.deps.slotFreed(id)
		}
		const settle = () => {
			sent()
			bump(this.#unsettled, -1)
			this.#running.delete(run)
		}
		const run: Promise<void> = this.#run(row, target, probe, sent).then(settle, (err) => {
			try {
				this.deps.log.error('delivery attempt failed to record', { delivery: row.id, error: err instanceof Error ? err.stack : String(err) })
				// The lease expires and the sweeper requeues the delivery; a probe must not leave the breaker half-open.
				if (probe && !this.deps.halted()) void this.reprobe(id)
			} catch {
				// Not even logged (an error that cannot be turned into text): the slot is freed all the same.
			} finally {
				settle()
			}
		})
		this.#running.add(run)
	}

	/** `sent` frees the destination's slot: it is called once the request is answered, before the commit. */
	async #run(row: DeliveryRow, target: Target, probe: boolean, sent: () => void): Promise<void> {
		const { deps } = this
		const now = deps.clock.now()
		const attemptNumber = row.attempts + 1
		// A busy destination's usual case (payload read with the claim, connection loaded) takes no promise here.
		const preparing = bodyToSend(deps.events, deps.connection, row, deps.readAhead(row.id), deps.cachedConnection(row.connection_id))
		const prepared = preparing instanceof Promise ? await preparing : preparing
		const { request, result } = await sendBody(deps.providers, target, row, prepared, attemptNumber, deps.guard, now)
		// A dead process records nothing: the delivery stays leased until another instance takes it back.
		if (deps.halted()) return
		const final = 'error' in prepared && (prepared.errorType === 'transform_error' || prepared.gone === true)
		const done = deps.clock.now()
		const outcome = decideOutcome({
			owner: deps.owner, delivery: row, policy: target.policy, circuit: (!probe && deps.circuits.known(row.destination_id)) || (await this.#currentCircuit(row.destination_id, probe, done)),
			attemptNumber, request, result, now: done, retryable: !final,
			reportable: !('error' in prepared && prepared.gone === true)
		})
		if (probe) outcome.attempt.trigger_type = 'probe'
		if (outcome.circuit) deps.circuits.adopt(row.destination_id, outcome.circuit)
		sent()
		if (!outcome.circuit && probe) await this.reprobe(row.destination_id) // no verdict on the destination: probe again
		await deps.record(outcome)
		// An outcome whose lease was lost meanwhile (its delivery deleted, taken back) is not written and keeps no id: nothing to show.
		if (outcome.attempt.id !== '') deps.onAttempt?.(outcome)
		// A retry is in the queue only now: look again so its due time sets the timer.
		if (outcome.next.state === 'queued') deps.wake()
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
	async reprobe(destinationId: string): Promise<void> {
		const c = await this.deps.circuits.current(destinationId)
		if (!c || c.state !== 'half-open') return
		await this.deps.circuits.move(destinationId, { ...c, state: 'open', next_probe_at: this.deps.clock.now() })
		this.deps.wake()
	}
}
