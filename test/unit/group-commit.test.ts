import { describe, expect, it } from 'bun:test'
import { GroupCommitter } from '../../src/db/write'

describe('GroupCommitter', () => {
	it('commits writes that arrive together in one batch, and settles each after its commit', async () => {
		const batches: number[][] = []
		const committed = new Set<number>()
		const gc = new GroupCommitter<number>(async (items) => {
			await Bun.sleep(5)
			batches.push(items)
			for (const i of items) committed.add(i)
		})
		const settled = await Promise.all([1, 2, 3].map((i) => gc.write(i).then(() => committed.has(i))))
		expect(settled).toEqual([true, true, true])
		expect(batches).toEqual([[1, 2, 3]])
	})

	it('keeps one batch in flight; later arrivals form the next batch, in order', async () => {
		const batches: number[][] = []
		let inFlight = 0
		let maxInFlight = 0
		// The first commit is held open by the test, so the later writes surely arrive while it runs.
		let release!: () => void
		const held = new Promise<void>((r) => {
			release = r
		})
		let started!: () => void
		const firstStarted = new Promise<void>((r) => {
			started = r
		})
		const gc = new GroupCommitter<number>(async (items) => {
			maxInFlight = Math.max(maxInFlight, ++inFlight)
			if (items.includes(1)) {
				started()
				await held
			}
			batches.push(items)
			inFlight--
		})
		const first = gc.write(1)
		await firstStarted
		const rest = [2, 3, 4].map((i) => gc.write(i))
		release()
		await Promise.all([first, ...rest])
		expect(maxInFlight).toBe(1)
		expect(batches).toEqual([[1], [2, 3, 4]])
	})

	it('commits a write made the moment an earlier one settles (before the batch loop has wound down)', async () => {
		const gc = new GroupCommitter<number>(async () => {})
		// The continuation after the first await runs before the loop's own clean-up: the second
		// write must still be scheduled, not left waiting for some later write.
		await gc.write(1)
		const second = gc.write(2).then(() => 'committed')
		const stalled = Bun.sleep(1000).then(() => 'stalled')
		expect(await Promise.race([second, stalled])).toBe('committed')
	})

	it('rejects every write of a failed batch and goes on with the next', async () => {
		let fail = true
		const gc = new GroupCommitter<number>(async () => {
			if (fail) {
				fail = false
				throw new Error('disk full')
			}
		})
		const results = await Promise.allSettled([gc.write(1), gc.write(2)])
		expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
		await expect(gc.write(3)).resolves.toBeUndefined()
	})

	it('splits at the maximum batch size', async () => {
		const sizes: number[] = []
		const gc = new GroupCommitter<number>(async (items) => {
			sizes.push(items.length)
		}, 4)
		await Promise.all(Array.from({ length: 10 }, (_, i) => gc.write(i)))
		expect(sizes).toEqual([4, 4, 2])
	})

	it('drain waits for everything queued', async () => {
		const done: number[] = []
		const gc = new GroupCommitter<number>(async (items) => {
			await Bun.sleep(5)
			done.push(...items)
		})
		void gc.write(1)
		void gc.write(2)
		await gc.drain()
		expect(done).toEqual([1, 2])
	})
})

describe('GroupCommitter.drain with a flush already scheduled', () => {
	it('settles instead of spinning, and later writes still commit', async () => {
		const done: number[] = []
		const gc = new GroupCommitter<number>(async (items) => {
			done.push(...items)
		})
		const first = gc.write(1)
		await gc.drain()
		await first
		await gc.write(2)
		expect(done).toEqual([1, 2])
	})
})

describe('GroupCommitter.writeAll', () => {
	it('keeps the items of one call in one transaction: they start a new batch when the open one has no room for all of them', async () => {
		const batches: number[][] = []
		const gc = new GroupCommitter<number>(async (items) => {
			batches.push(items)
			if (items.includes(5)) throw new Error('batch of 5 failed')
		}, 4)
		const singles = [gc.write(1), gc.write(2)]
		const group = gc.writeAll([3, 4, 5])
		const results = await Promise.allSettled([...singles, group])
		expect(batches).toEqual([[1, 2], [3, 4, 5]])
		// Only the call whose transaction failed hears of it.
		expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected'])
	})

	it('splits a call larger than the maximum batch, and rejects only once every part has settled', async () => {
		const batches: number[][] = []
		const gc = new GroupCommitter<number>(async (items) => {
			batches.push(items)
			if (items.includes(0)) throw new Error('first part failed')
		}, 2)
		await expect(gc.writeAll([0, 1, 2, 3, 4])).rejects.toThrow('first part failed')
		expect(batches).toEqual([[0, 1], [2, 3], [4]])
	})
})
