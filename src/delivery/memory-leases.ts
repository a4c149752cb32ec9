import { realpathSync } from 'node:fs'

/** A delivery lease: who may send and finish the row, until when. */
export interface MemoryLease {
	destinationId: string
	owner: string
	until: number
	/** The row's due time when claimed: its queue key is (dueAt, its id). */
	dueAt: number
}

/** A row's place in its destination's queue: the claim's order, (due_at, id). */
export interface QueueKey {
	dueAt: number
	id: string
}

/**
 * A destination's claim mark: every row leased for it sorts at or below `key`, so a claim may
 * start its walk of the queue past the mark instead of passing over the leased ids one by one.
 * `since`: the claim time of the walk of the whole queue the mark was first set from.
 */
interface ClaimMark {
	key: QueueKey
	since: number
}

/**
 * How long a mark serves before a claim walks the whole queue again. A row can land at or below
 * a mark without being leased when its key is older than the rows claimed past it: an event
 * stored after a later one was claimed (its request took longer to read and check), a manual
 * retry in the same millisecond, a clock stepped back. While claims keep finding rows past the
 * mark it waits at most this long; a claim that finds too few there walks the whole queue instead
 * (repo-queue.ts), so the worker is never told the queue is empty while it is not.
 * Leased rows are never handed out twice either way.
 */
export const MARK_MS = 100

/** `a` sorts before `b` in the queue (ids compare as SQLite compares them: all ASCII). */
const keyBelow = (a: QueueKey, b: QueueKey): boolean => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id)

/**
 * Delivery leases held in memory, SQLite's in place of the `leased` state in storage. One server
 * serves a data dir (src/db/serve-lock.ts) and a restart voids every lease anyway (the worker
 * releases them all at start), so a lease written to the row bought nothing on SQLite but a
 * second write of it per delivery: the claim moved the row out of the queue index and into
 * deliveries_leased, and the finish moved it again. Here the claim only reads, the row stays
 * `queued` until its outcome is recorded, and the claim passes over the ids leased here, or
 * starts past them (the claim mark, above). Drains
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
	readonly #marks = new Map<string, ClaimMark>()

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
		this.#drop(id)
		this.#byId.set(id, lease)
		const ids = this.#byDestination.get(lease.destinationId)
		if (ids) ids.add(id)
		else this.#byDestination.set(lease.destinationId, new Set([id]))
	}

	/** A lease given up with its row still queued at its key: the destination's mark no longer holds. True when `id` was leased. */
	release(id: string): boolean {
		const lease = this.#drop(id)
		if (lease) this.#marks.delete(lease.destinationId)
		return lease !== undefined
	}

	/**
	 * A lease used up by a recorded outcome: the row is closed, or back in the queue at `requeuedAt`
	 * (a retry), which a claim past the mark would not see when it sorts at or below the mark.
	 */
	finished(id: string, requeuedAt: number | null): void {
		const lease = this.#drop(id)
		if (!lease || requeuedAt === null) return
		const mark = this.#marks.get(lease.destinationId)
		if (mark && !keyBelow(mark.key, { dueAt: requeuedAt, id })) this.#marks.delete(lease.destinationId)
	}

	#drop(id: string): MemoryLease | undefined {
		const lease = this.#byId.get(id)
		if (!lease) return undefined
		this.#byId.delete(id)
		const ids = this.#byDestination.get(lease.destinationId)
		ids?.delete(id)
		if (ids?.size === 0) this.#byDestination.delete(lease.destinationId)
		return lease
	}

	/** Where a claim of the destination at `now` may start: past the mark while it holds (MARK_MS), else null (the whole queue). */
	markOf(destinationId: string, now: number): QueueKey | null {
		const mark = this.#marks.get(destinationId)
		if (!mark) return null
		if (now - mark.since < MARK_MS && now >= mark.since) return mark.key
		this.#marks.delete(destinationId)
		return null
	}

	/**
	 * After a claim of `limit` rows at `now` that took `taken` (leased here already), `last` the one
	 * that sorts last, `fromMark` when every row came from past the mark (no walk of the whole queue).
	 * A full claim moves the mark to its last row, provided no row leased for the destination sorts
	 * above that row: after a walk of the whole queue one can (a probe's claim of one row given back
	 * below rows still leased), and the rows between would be passed over. A short claim drops the
	 * mark: it found every due row.
	 */
	claimed(destinationId: string, taken: number, last: QueueKey | null, limit: number, fromMark: boolean, now: number): void {
		if (last === null || taken < limit) return void this.#marks.delete(destinationId)
		const since = fromMark ? (this.#marks.get(destinationId)?.since ?? now) : now
		if (!fromMark) {
			for (const id of this.idsOf(destinationId)) {
				const lease = this.#byId.get(id)
				if (lease && keyBelow(last, { dueAt: lease.dueAt, id })) return void this.#marks.delete(destinationId)
			}
		}
		this.#marks.set(destinationId, { key: { dueAt: last.dueAt, id: last.id }, since })
	}

	/** Rows leased in storage went back to the queue (the sweeper): no mark holds. */
	dropMarks(): void {
		this.#marks.clear()
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
