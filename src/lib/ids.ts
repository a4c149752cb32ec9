import { randomBytes } from 'node:crypto'

/** Prefixes of every id kind in the wire contract. */
export type IdPrefix =
	| 'org' | 'env' | 'src' | 'dst' | 'conn' | 'evt' | 'da' | 'iss'
	| 'ar' | 'nc' | 'rpl' | 'top' | 'sub' | 'col'
	// minted by Better Auth through our generateId (src/accounts/better-auth.ts), same shape
	| 'mem' | 'inv'
	// internal (never on the wire): one outbox row per event × connection
	| 'dlv'

/**
 * `<prefix>_` + 32 lowercase hex from a UUIDv7, so ids sort by creation time
 * (cursor pagination relies on that ordering).
 */
export function newId(prefix: IdPrefix, atMs?: number): string {
	// The 16 bytes hex-encoded in one step: half the cost of the dashed string with its dashes removed.
	return `${prefix}_${Bun.randomUUIDv7('buffer', atMs).toString('hex')}`
}

/** The smallest id of this kind created at `ms`: every id created earlier sorts below it. */
export function idFloorAt(prefix: IdPrefix, ms: number): string {
	return `${prefix}_${Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0')}${'0'.repeat(20)}`
}

/** API key ids are shorter by contract: `ak_` + 16 hex. */
export function newApiKeyId(): string {
	return `ak_${randomBytes(8).toString('hex')}`
}

// Request ids are labels, not secrets: cut them from a refilled pool of random hex instead of one crypto call each.
const POOL_BYTES = 6 * 1024
let pool = randomBytes(POOL_BYTES).toString('hex')
let poolOffset = 0

export function newRequestId(): string {
	if (poolOffset + 12 > pool.length) {
		pool = randomBytes(POOL_BYTES).toString('hex')
		poolOffset = 0
	}
	poolOffset += 12
	return `req_${pool.slice(poolOffset - 12, poolOffset)}`
}

/**
 * The canonical id for a path parameter: `src_<32 hex>` as is, or a bare 32-hex id
 * (hookstream.io's generated reference shows path ids without their prefix) with the
 * prefix added. Null when it cannot be an id of this kind.
 */
export function asId(prefix: IdPrefix, value: string): string | null {
	if (isId(prefix, value)) return value
	return /^[0-9a-f]{32}$/.test(value) ? `${prefix}_${value}` : null
}

/** True when `value` looks like an id of this kind (cheap check before a lookup). */
export function isId(prefix: IdPrefix, value: string): boolean {
	return value.length === prefix.length + 33 && value.startsWith(`${prefix}_`) && /^[0-9a-f]{32}$/.test(value.slice(prefix.length + 1))
}

/**
 * Ids minted by a repo as it writes each row (events, delivery attempts: so on SQLite, where one
 * writer commits in batch order, id order is commit order), as a monotonic UUIDv7: 48-bit
 * milliseconds, version 7, a 12-bit counter within the millisecond, the variant and 62 random
 * bits. The time is the row's own (an event's receipt, an attempt's end), or the last id's when
 * that is later (an event that waited on a route lookup commits after one received after it); a
 * 4097th id in one millisecond borrows the next one. Each repo has its own: ids only need to
 * order within one database, and a test's fake clock then reads back in its rows' ids.
 */
export class SeqIdMinter {
	#ms = -1
	#counter = 0

	constructor(private readonly prefix: IdPrefix) {}

	/** The next id at `atMs` or later, and its leading 64 bits as SQLite's seq (src/db/seq-keys.ts). */
	next(atMs: number): { id: string; seq: bigint } {
		let ms = Math.max(0, Math.floor(atMs))
		if (ms <= this.#ms) {
			ms = this.#ms
			if (++this.#counter > 0xfff) {
				ms++
				this.#counter = 0
			}
		} else this.#counter = 0
		this.#ms = ms
		// Bun's UUIDv7 brings the version, the variant and the random bits. The time is written again: past
		// 4,096 ids in a millisecond Bun's own counter moves its time on, and ours decides that here.
		const bytes = Bun.randomUUIDv7('buffer', ms)
		bytes.writeUIntBE(ms, 0, 6)
		bytes[6] = 0x70 | (this.#counter >> 8)
		bytes[7] = this.#counter & 0xff
		return { id: `${this.prefix}_${bytes.toString('hex')}`, seq: bytes.readBigUInt64BE(0) }
	}

	/** Never below `seq`'s millisecond and counter again (a database whose newest row is newer than this clock). */
	after(seq: bigint): void {
		const ms = Number(seq >> 16n)
		const counter = Number(seq & 0xfffn)
		if (ms > this.#ms || (ms === this.#ms && counter > this.#counter)) {
			this.#ms = ms
			this.#counter = counter
		}
	}
}
