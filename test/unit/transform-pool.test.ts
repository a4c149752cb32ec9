import { afterAll, describe, expect, it } from 'bun:test'
import { existsSync } from 'node:fs'
import { compileTransform, TransformError } from '../../src/delivery/transform'
import { DEFAULT_POOL_OPTIONS, TransformPool } from '../../src/delivery/transform-pool'
import { until } from '../support/poll'

/** Polynomial backtracking (O(n^6)): one regex step that runs for minutes on 400 characters. */
const RUNAWAY_REGEX = '{"m": $contains(s, /a*a*a*a*a*b/)}'
const RUNAWAY_INPUT = { s: 'a'.repeat(400) }

/** Runs `work` while a 5 ms timer ticks on this thread; returns its outcome and the longest gap between ticks. */
async function whileTicking<T>(work: () => Promise<T>): Promise<{ outcome: T | unknown; maxGapMs: number; elapsedMs: number }> {
	let last = performance.now()
	let maxGapMs = 0
	const tick = setInterval(() => {
		const now = performance.now()
		maxGapMs = Math.max(maxGapMs, now - last)
		last = now
	}, 5)
	const started = performance.now()
	const outcome = await work().catch((err: unknown) => err)
	const elapsedMs = performance.now() - started
	clearInterval(tick)
	maxGapMs = Math.max(maxGapMs, performance.now() - last)
	return { outcome, maxGapMs, elapsedMs }
}

const pools: TransformPool[] = []
function pool(opts: Partial<typeof DEFAULT_POOL_OPTIONS> = {}): TransformPool {
	const p = new TransformPool({ ...DEFAULT_POOL_OPTIONS, ...opts })
	pools.push(p)
	return p
}
afterAll(() => {
	for (const p of pools) p.close()
})

describe('transform pool: hard limits that JSONata cannot enforce between steps', () => {
	it('a backtracking regex is stopped at the hard deadline while this thread keeps running', async () => {
		const p = pool({ size: 1, hardTimeoutMs: 800 })
		const running = whileTicking(() => p.run(RUNAWAY_REGEX, RUNAWAY_INPUT))
		const [pid] = p.pids
		const { outcome, maxGapMs, elapsedMs } = await running
		expect(outcome).toBeInstanceOf(TransformError)
		expect((outcome as TransformError).code).toBe('time_limit')
		expect(elapsedMs).toBeGreaterThanOrEqual(790)
		expect(elapsedMs).toBeLessThan(3000)
		expect(maxGapMs).toBeLessThan(400)
		expect(p.killed).toBe(1)
		// The regex does not go on burning a core: its process is gone.
		expect(pid).toBeNumber()
		await until(() => !existsSync(`/proc/${pid}`))
		// A fresh child takes the next job.
		expect(await p.run('{"n": $count(items)}', { items: [1, 2, 3] })).toEqual({ n: 3 })
	})

	it('$pad with a huge width is stopped at the memory limit, not after gigabytes', async () => {
		const p = pool({ size: 1, hardTimeoutMs: 20_000, memoryLimitBytes: 128 * 1024 * 1024 })
		const { outcome, maxGapMs, elapsedMs } = await whileTicking(() => p.run('{"x": $pad("", 50000000)}', {}))
		expect((outcome as TransformError).code).toBe('memory_limit')
		expect(elapsedMs).toBeLessThan(5000)
		expect(maxGapMs).toBeLessThan(400)
		expect(await p.run('{"ok": true}', {})).toEqual({ ok: true })
	})

	it('while one child is stuck, a transform in the other completes promptly', async () => {
		const p = pool({ size: 2, hardTimeoutMs: 1000 })
		// Both children started, so the fast job measures evaluation, not a process start.
		await Promise.all([p.run('{"warm": 1}', {}), p.run('{"warm": 2}', {})])
		expect(p.pids).toHaveLength(2)
		const stuck = p.run(RUNAWAY_REGEX, RUNAWAY_INPUT).catch((err: unknown) => err)
		expect(p.busy).toBe(1)
		const started = performance.now()
		expect(await p.run('{"fast": true}', {})).toEqual({ fast: true })
		expect(performance.now() - started).toBeLessThan(500)
		expect(((await stuck) as TransformError).code).toBe('time_limit')
	})

	it('jobs beyond the pool size wait their turn and all complete', async () => {
		const p = pool({ size: 2 })
		const results = await Promise.all(Array.from({ length: 20 }, (_, i) => p.run('{"i": i * 2}', { i })))
		expect(results).toEqual(Array.from({ length: 20 }, (_, i) => ({ i: i * 2 })))
	})

	it('compileTransform goes through the shared pool: the issue probe ($pad 5e7) fails as a TransformError, fast', async () => {
		const { outcome, maxGapMs, elapsedMs } = await whileTicking(() => compileTransform('{"x": $pad("", 50000000)}').apply({}))
		expect(outcome).toBeInstanceOf(TransformError)
		expect(['memory_limit', 'time_limit']).toContain((outcome as TransformError).code)
		expect(elapsedMs).toBeLessThan(4000)
		expect(maxGapMs).toBeLessThan(400)
	})

	it('an idle child exits after idleMs, and the next job starts a new one', async () => {
		const p = pool({ size: 1, idleMs: 50 })
		expect(await p.run('{"a": 1}', {})).toEqual({ a: 1 })
		const [first] = p.pids
		expect(first).toBeNumber()
		await until(() => p.pids.length === 0 && !existsSync(`/proc/${first}`))
		expect(await p.run('{"a": 2}', {})).toEqual({ a: 2 })
		expect(p.pids).toHaveLength(1)
		expect(p.pids[0]).not.toBe(first)
	})

	it('a closed pool fails its pending jobs', async () => {
		const p = pool({ size: 1 })
		const running = p.run(RUNAWAY_REGEX, RUNAWAY_INPUT).catch((err: unknown) => err)
		const queued = p.run('{"a": 1}', {}).catch((err: unknown) => err)
		p.close()
		expect(await running).toBeInstanceOf(TransformError)
		expect(await queued).toBeInstanceOf(TransformError)
	})
})
