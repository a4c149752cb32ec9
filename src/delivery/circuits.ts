import type { Clock } from '../lib/clock'
import { type Circuit, CLOSED } from './breaker'

/** The breaker columns, as the delivery repo reads and writes them (the only SQL that does). */
export interface CircuitRepo {
	/** Null when the destination does not exist. */
	getCircuit(destinationId: string): Promise<Circuit | null>
	/** False when the destination does not exist. */
	setCircuit(destinationId: string, c: Circuit): Promise<boolean>
}

/**
 * The one reader and writer of circuit-breaker state. The live copy of each
 * destination's breaker is kept here while the process runs (concurrent attempts
 * must count failures one after another, not each from the same stale copy) and
 * persisted with every attempt and transition, so it survives a restart.
 */
export class Circuits {
	readonly #live = new Map<string, Circuit>()

	constructor(
		private readonly repo: CircuitRepo,
		private readonly clock: Clock
	) {}

	/**
	 * The breaker the worker decides with; null when the destination is gone. A
	 * half-open state found in storage means its probe died with a previous
	 * process: it is open again with a probe due now.
	 */
	async current(destinationId: string): Promise<Circuit | null> {
		const live = this.#live.get(destinationId)
		if (live) return live
		const stored = await this.repo.getCircuit(destinationId)
		if (!stored) return null
		// Another caller may have loaded it meanwhile: the first copy wins, later changes build on it.
		const loaded = this.#live.get(destinationId) ?? (stored.state === 'half-open' ? { ...stored, state: 'open' as const, next_probe_at: this.clock.now() } : stored)
		this.#live.set(destinationId, loaded)
		return loaded
	}

	/** The live breaker, when this process holds one (no storage read). */
	known(destinationId: string): Circuit | undefined {
		return this.#live.get(destinationId)
	}

	/** An attempt changed the breaker; the attempt's own transaction persists it (delivery repo). */
	adopt(destinationId: string, c: Circuit): void {
		this.#live.set(destinationId, c)
	}

	/** A transition outside an attempt (half-open before a probe, open again after a lost one), persisted now. */
	async move(destinationId: string, c: Circuit): Promise<void> {
		this.#live.set(destinationId, c)
		await this.repo.setCircuit(destinationId, c)
	}

	/** What the API shows: the live state when this process holds one, else the stored one. */
	async read(destinationId: string): Promise<Circuit | null> {
		return this.#live.get(destinationId) ?? (await this.repo.getCircuit(destinationId))
	}

	/** Manual reset: closed, count cleared, no probe pending. Null when the destination does not exist. */
	async reset(destinationId: string): Promise<Circuit | null> {
		// opened_at is cleared too: it describes the current open period, and there is none.
		const closed: Circuit = { ...CLOSED, last_transition_at: this.clock.now() }
		if (!(await this.repo.setCircuit(destinationId, closed))) return null
		this.#live.set(destinationId, closed)
		return closed
	}

	/**
	 * Another instance wrote the breaker (several instances on one database): a stored
	 * transition newer than the live copy's replaces it; a live copy at least as new stays.
	 */
	async refresh(destinationId: string): Promise<void> {
		const live = this.#live.get(destinationId)
		if (!live) return
		const stored = await this.repo.getCircuit(destinationId)
		if (!stored) this.#live.delete(destinationId)
		else if ((stored.last_transition_at ?? 0) > (live.last_transition_at ?? 0) && this.#live.get(destinationId) === live) this.#live.set(destinationId, stored)
	}

	/** The destination is gone. */
	forget(destinationId: string): void {
		this.#live.delete(destinationId)
	}
}
