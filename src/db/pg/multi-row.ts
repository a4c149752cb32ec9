/**
 * Multi-row `VALUES` for PostgreSQL batch writes: one statement per chunk instead of
 * one per row (research/postgres.md: batch 256 writes ~20× the rows/s of single rows).
 *
 * Chunk sizes are powers of two (≤ `max`), so a statement has at most log2(max) + 1
 * distinct texts: Bun.SQL prepares every distinct text as a named statement on each
 * pooled connection and keeps it, so arbitrary row counts would grow that cache without bound.
 */

import { valuesList } from '../sql'

/** Splits `rows` into chunks of 2^k rows, largest first (300 → 256, 32, 8, 4). */
export function powerOfTwoChunks<T>(rows: readonly T[], max = 256): T[][] {
	const out: T[][] = []
	let at = 0
	while (at < rows.length) {
		let n = max
		while (n > rows.length - at) n >>= 1
		out.push(rows.slice(at, at + n))
		at += n
	}
	return out
}

/**
 * A statement shape `head VALUES (…), (…) tail`, its text built once per row count.
 * `tail(firstFree)` gets the first placeholder number after the rows' own (for a `$n` of its own).
 */
export function multiRow(head: string, width: number, tail: (firstFree: number) => string = () => '', casts: readonly (string | null)[] = []) {
	const texts = new Map<number, string>()
	return (n: number): string => {
		let text = texts.get(n)
		if (text === undefined) {
			text = `${head} VALUES ${valuesList(n, width, casts)} ${tail(n * width + 1)}`.trimEnd()
			texts.set(n, text)
		}
		return text
	}
}
