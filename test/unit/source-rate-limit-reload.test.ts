import { expect, test } from 'bun:test'
import { SourceRateLimits } from '../../src/ingest/rate-limit'

// The limiter re-reads a source after each change; on PostgreSQL that read is a network round trip.
test('a change is seen by the next request even when the re-read is slow; the last of two quick changes wins', async () => {
	// A repo whose reads answer only when the test says so (a slow round trip each).
	const answers: { rate: number | null; answer: () => void }[] = []
	const repo = {
		rateLimited: async () => [{ id: 'src_a', rate_limit_per_second: 1 }],
		findById: (id: string) => new Promise<never>((resolve) => {
			const entry = { rate: null as number | null, answer: () => resolve({ id, rate_limit_per_second: entry.rate } as never) }
			answers.push(entry)
		})
	}
	const limits = new SourceRateLimits(repo as never, { now: () => 0 })
	await limits.load()
	expect(limits.retryAfter('src_a')).toBe(0)
	expect(limits.retryAfter('src_a')).toBe(1)

	void limits.refresh('src_a') // lifted…
	const next = limits.retryAfter('src_a')
	expect(next).toBeInstanceOf(Promise) // waits for the re-read instead of answering from the old limit
	await Bun.sleep(1)
	;(answers[0] as { answer: () => void }).answer()
	expect(await next).toBe(0)
	expect(limits.size).toBe(0)

	void limits.refresh('src_a') // …then set to 5, then to 2: the reads run one after the other
	void limits.refresh('src_a')
	await Bun.sleep(1)
	expect(answers).toHaveLength(2) // the second read starts only after the first answered
	Object.assign(answers[1] as object, { rate: 5 })
	;(answers[1] as { answer: () => void }).answer()
	await Bun.sleep(1)
	Object.assign(answers[2] as object, { rate: 2 })
	;(answers[2] as { answer: () => void }).answer()
	const waits = await Promise.all([limits.retryAfter('src_a'), limits.retryAfter('src_a'), limits.retryAfter('src_a')])
	expect(waits).toEqual([0, 0, 1]) // two tokens: the limit is 2, not 5
})
