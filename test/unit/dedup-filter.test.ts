import { describe, expect, it } from 'bun:test'
import { FlushedKeysFilter, MAX_GENERATIONS } from '../../src/events/dedup-filter'

/** The Bloom filter that spares SQLite's dedup probe for new keys (src/events/dedup-filter.ts). */

const T0 = 1_000_000
const key = (i: number) => `src_${i % 7}\n${Bun.SHA256.hash(String(i), 'hex')}`

describe('flushed dedup keys filter', () => {
	it('never forgets a key it was given, and rarely claims one it was not', () => {
		const filter = new FlushedKeysFilter(0, 50_000)
		for (let i = 0; i < 120_000; i++) filter.add(key(i), T0 + 60_000)
		expect(filter.generations).toBe(3)
		for (let i = 0; i < 120_000; i++) if (!filter.mayHold(key(i), T0)) throw new Error(`false negative for key ${i}`)
		let falsePositives = 0
		for (let i = 120_000; i < 220_000; i++) if (filter.mayHold(key(i), T0)) falsePositives++
		// Three generations at ≤ 0.8 % each: under 3 % of new keys get a probe.
		expect(falsePositives / 100_000).toBeLessThan(0.03)
		expect(falsePositives).toBeGreaterThan(0) // it is a Bloom filter: some, not none
	})

	it('says no once every key of a generation has expired, and drops the generation', () => {
		const filter = new FlushedKeysFilter(0, 10)
		for (let i = 0; i < 10; i++) filter.add(key(i), T0 + i)
		filter.add(key(10), T0 + 100) // the second generation
		expect(filter.mayHold(key(3), T0 + 8)).toBe(true) // expired itself, but the generation holds a live key: the probe decides
		expect(filter.mayHold(key(3), T0 + 9)).toBe(false) // the first generation's latest expiry has passed
		expect(filter.mayHold(key(10), T0 + 9)).toBe(true)
		filter.expire(T0 + 9) // the caller's now: expire() trusts it, as it trusts the events' own clock
		expect(filter.generations).toBe(1)
		filter.expire(T0 + 100)
		expect(filter.generations).toBe(0)
		expect(filter.mayHold(key(10), T0 + 50)).toBe(false)
	})

	it('probes everything while rows of an earlier process may still match, until they have all been added', () => {
		const filter = new FlushedKeysFilter(T0 + 500)
		expect(filter.complete).toBe(false)
		expect(filter.mayHold(key(1), T0 + 499)).toBe(true)
		expect(filter.mayHold(key(1), T0 + 500)).toBe(false)
		filter.add(key(2), T0 + 500)
		filter.knowAll()
		expect(filter.complete).toBe(true)
		expect(filter.mayHold(key(1), T0 + 100)).toBe(false)
		expect(filter.mayHold(key(2), T0 + 100)).toBe(true)
	})

	it('bounds its generations: the oldest is dropped and probes cover its keys until they expire', () => {
		const filter = new FlushedKeysFilter(0, 4)
		for (let i = 0; i < 4 * MAX_GENERATIONS; i++) filter.add(key(i), T0 + 1000)
		expect(filter.generations).toBe(MAX_GENERATIONS)
		filter.add(key(-1), T0 + 2000)
		expect(filter.generations).toBe(MAX_GENERATIONS)
		// key(0) was in the dropped generation: still reported until T0 + 1000, its expiry.
		expect(filter.mayHold(key(0), T0 + 999)).toBe(true)
		expect(filter.mayHold(`src_x\n${'f'.repeat(64)}`, T0 + 999)).toBe(true)
		expect(filter.mayHold(key(-1), T0 + 1500)).toBe(true)
	})
})
