/** Keys per filter generation: 1.25 MB of bits each at BITS_PER_KEY. */
const GENERATION_KEYS = 1 << 20
/** ~0.8 % false positives per full generation with HASHES probes. */
const BITS_PER_KEY = 10
const HASHES = 7
/** At most this many generations (25 MB); past it the oldest is dropped and probes resume until its keys expire. */
export const MAX_GENERATIONS = 20
/** Keys the generations hold at most. */
export const FILTER_KEYS = GENERATION_KEYS * MAX_GENERATIONS

interface Generation {
	bits: Uint32Array
	size: number
	count: number
	capacity: number
	/** The latest expiry among its keys: once past, none of them can match. */
	until: number
}

/**
 * Which dedup keys dedup_keys may hold, so that a new key (the usual case) needs no probe of
 * its primary key: a probe costs more than the rest of the dedup decision (BENCHMARKS.md).
 * Bloom filters of the keys flushed into dedup_keys by this process, one generation per
 * GENERATION_KEYS keys, each dropped once every key in it has expired. A filter never forgets
 * a key it was given (no false negative); a false positive only costs the probe it would have
 * made anyway. Rows it was not given yet (written before this process started, read in at
 * start) or no longer has (past the generation bound) are covered by a time: until then every
 * key is probed.
 */
export class FlushedKeysFilter {
	readonly #generations: Generation[] = []
	/** The latest expiry among the rows dedup_keys held at start, until they have all been added (`knowAll`). */
	#startUntil: number
	/** The latest expiry among the keys of generations dropped by the bound. */
	#droppedUntil = 0
	readonly #generationKeys: number

	/** `startUntil`: the latest expiry among the rows dedup_keys holds as this process starts (0: none). */
	constructor(startUntil: number, generationKeys = GENERATION_KEYS) {
		this.#startUntil = startUntil
		this.#generationKeys = generationKeys
	}

	/** False only when dedup_keys cannot hold an unexpired row for `id` at `now`. */
	mayHold(id: string, now: number): boolean {
		if (now < this.#startUntil || now < this.#droppedUntil) return true
		let hashed = false
		for (const g of this.#generations) {
			if (g.until <= now) continue
			if (!hashed) {
				hash(id)
				hashed = true
			}
			if (has(g)) return true
		}
		return false
	}

	/** Whether every row dedup_keys held at start has been added. */
	get complete(): boolean {
		return this.#startUntil === 0
	}

	/** Every row dedup_keys held at start has been added: they need no probe of their own any more. */
	knowAll(): void {
		this.#startUntil = 0
	}

	/** A key just written to dedup_keys with this expiry. */
	add(id: string, expiresAt: number): void {
		let g = this.#generations.at(-1)
		if (!g || g.count >= g.capacity) g = this.#open()
		hash(id)
		for (let i = 0; i < HASHES; i++) {
			const bit = probe(i, g.size)
			g.bits[bit >>> 5] = (g.bits[bit >>> 5] as number) | (1 << (bit & 31))
		}
		g.count++
		if (expiresAt > g.until) g.until = expiresAt
	}

	/** Drops the generations whose keys have all expired at `now`. */
	expire(now: number): void {
		for (let i = this.#generations.length - 1; i >= 0; i--) if ((this.#generations[i] as Generation).until <= now) this.#generations.splice(i, 1)
	}

	/** Generations held now (tests). */
	get generations(): number {
		return this.#generations.length
	}

	#open(): Generation {
		if (this.#generations.length >= MAX_GENERATIONS) {
			const oldest = this.#generations.shift() as Generation
			this.#droppedUntil = Math.max(this.#droppedUntil, oldest.until)
		}
		const size = this.#generationKeys * BITS_PER_KEY
		const g = { bits: new Uint32Array(Math.ceil(size / 32)), size, count: 0, capacity: this.#generationKeys, until: 0 }
		this.#generations.push(g)
		return g
	}
}

/**
 * The last hashed key's two independent 32-bit hashes, as unsigned numbers; probe i is
 * h1 + i·h2 (h2 odd, so the probes differ). One object reused: no allocation per key.
 */
const last = { h1: 0, h2: 1 }
function hash(id: string): void {
	last.h1 = Bun.hash.murmur32v3(id, 0x2b7e1516) >>> 0
	last.h2 = (Bun.hash.murmur32v3(id, 0x3243f6a8) | 1) >>> 0
}

/** The last hashed key's i-th probe bit in a generation of `size` bits. */
const probe = (i: number, size: number): number => (last.h1 + i * last.h2) % size

/** Whether every probe bit of the last hashed key is set in `g`. */
function has(g: Generation): boolean {
	for (let i = 0; i < HASHES; i++) {
		const bit = probe(i, g.size)
		if (((g.bits[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false
	}
	return true
}
