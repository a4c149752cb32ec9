import { realpathSync } from 'node:fs'

/** A delivery lease: who may send and finish the row, until when. */
export interface MemoryLease {
	destinationId: string
	owner: string
	until: number
}

/**
 * Delivery leases held in memory, SQLite's in place of the `leased` state in storage. One server
 * serves a data dir (src/db/serve-lock.ts) and a restart voids every lease anyway (the worker
 * releases them all at start), so a lease written to the row bought nothing on SQLite but a
 * second write of it per delivery: the claim moved the row out of the queue index and into
 * deliveries_leased, and the finish moved it again. Here the claim only reads, the row stays
 * `queued` until its outcome is recorded, and the claim passes over the ids leased here. Drains
 * of a pre-filled queue (`bench/drain-io.ts`, the two builds alternated, 8 rounds) wrote 16 % fewer
 * bytes per delivery at 64 in flight and 13 % fewer at 8, and ran 4.6 % and 3.7 % faster (BENCHMARKS.md,
 * Delivery, fourteenth session). Leases follow the same rules as in storage: they expire, the
 * sweeper takes expired ones back, only the holder finishes a row, and a holder that lost its
 * destination (conformance tests of several owners) loses its leases.
 * Every handle this process opens on one database file shares its leases (`leasesOf`), as they
 * would share them in the rows: two in-process servers on one data dir (the cluster tests) never
 * send a row twice. PostgreSQL keeps its leases in the rows: several instances share its queue.
 */
export class MemoryLeases {
	readonly #byId = new Map<string, MemoryLease>()
	readonly #byDestination = new Map<string, Set<string>>()

	get size(): number {
		return this.#byId.size
	}

	/** Every leased id (the queue gauges tell leased rows from queued ones by them). */
	ids(): string[] {
		return [...this.#byId.keys()]
	}

	/** The ids leased for one destination: its claim passes over them. */
	idsOf(destinationId: string): ReadonlySet<string> {
		return this.#byDestination.get(destinationId) ?? EMPTY
	}

	holder(id: string): MemoryLease | undefined {
		return this.#byId.get(id)
	}

	take(id: string, lease: MemoryLease): void {
		this.release(id)
		this.#byId.set(id, lease)
		const ids = this.#byDestination.get(lease.destinationId)
		if (ids) ids.add(id)
		else this.#byDestination.set(lease.destinationId, new Set([id]))
	}

	/** True when `id` was leased. */
	release(id: string): boolean {
		const lease = this.#byId.get(id)
		if (!lease) return false
		this.#byId.delete(id)
		const ids = this.#byDestination.get(lease.destinationId)
		ids?.delete(id)
		if (ids?.size === 0) this.#byDestination.delete(lease.destinationId)
		return true
	}

	/** Releases every lease `drop` picks; returns the ids released. */
	releaseWhere(drop: (lease: MemoryLease, id: string) => boolean): string[] {
		const released: string[] = []
		for (const [id, lease] of this.#byId) if (drop(lease, id)) released.push(id)
		for (const id of released) this.release(id)
		return released
	}
}

const EMPTY: ReadonlySet<string> = new Set()

const byDatabase = new Map<string, { leases: MemoryLeases; handles: number }>()

/**
 * The leases of the SQLite database file at `path`, shared by every handle this process has open
 * on it; `release` once the handle closes (the last one drops them: a server opened afresh starts
 * with none, as after a restart).
 */
export function leasesOf(path: string): { leases: MemoryLeases; release(): void } {
	const key = realpathSync(path)
	const entry = byDatabase.get(key) ?? { leases: new MemoryLeases(), handles: 0 }
	entry.handles++
	byDatabase.set(key, entry)
	let released = false
	return {
		leases: entry.leases,
		release() {
			if (released) return
			released = true
			if (--entry.handles === 0 && byDatabase.get(key) === entry) byDatabase.delete(key)
		}
	}
}
