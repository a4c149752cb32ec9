import { describe, expect, it } from 'bun:test'
import { SingleFlightCache } from '../../src/lib/single-flight-cache'

/** A loader whose every call waits until the test settles it by hand, in any order. */
function manualLoader<V>() {
	const calls: { key: string; resolve: (v: V) => void; reject: (e: unknown) => void }[] = []
	const load = (key: string) => new Promise<V>((resolve, reject) => calls.push({ key, resolve, reject }))
	return { calls, load }
}

/** Lets every settled promise run its callbacks. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('SingleFlightCache', () => {
	it('concurrent misses of one key share one load, and the value is kept', async () => {
		const { calls, load } = manualLoader<string>()
		const cache = new SingleFlightCache(load)
		const a = cache.get('k')
		const b = cache.get('k')
		expect(calls).toHaveLength(1)
		calls[0]?.resolve('v1')
		expect(await Promise.all([a, b])).toEqual(['v1', 'v1'])
		expect(cache.peek('k')).toBe('v1')
		expect(await cache.get('k')).toBe('v1')
		expect(calls).toHaveLength(1)
	})

	it('a load overtaken by an invalidation is not cached', async () => {
		const { calls, load } = manualLoader<string>()
		const cache = new SingleFlightCache(load)
		const stale = cache.get('k')
		cache.invalidate('k')
		calls[0]?.resolve('before the write')
		// Its own callers asked before the change and get what it read.
		expect(await stale).toBe('before the write')
		expect(cache.peek('k')).toBeUndefined()
		const fresh = cache.get('k')
		expect(calls).toHaveLength(2)
		calls[1]?.resolve('after the write')
		expect(await fresh).toBe('after the write')
		expect(cache.peek('k')).toBe('after the write')
	})

	it('a stale load landing after a newer one started neither stores over it nor unregisters it', async () => {
		const { calls, load } = manualLoader<string>()
		const cache = new SingleFlightCache(load)
		void cache.get('k') // flight A reads the row before the write
		cache.invalidate('k') // the write lands
		const b = cache.get('k') // flight B reads the row after it
		expect(calls).toHaveLength(2)
		calls[0]?.resolve('stale')
		await flush()
		expect(cache.peek('k')).toBeUndefined()
		// B is still the flight of record: a new caller joins it instead of loading a third time.
		const c = cache.get('k')
		expect(calls).toHaveLength(2)
		calls[1]?.resolve('fresh')
		expect(await Promise.all([b, c])).toEqual(['fresh', 'fresh'])
		expect(cache.peek('k')).toBe('fresh')
		calls[0]?.resolve('stale again') // settling twice changes nothing
		await flush()
		expect(await cache.get('k')).toBe('fresh')
	})

	it('clear() disowns every flight in progress', async () => {
		const { calls, load } = manualLoader<string>()
		const cache = new SingleFlightCache(load)
		void cache.get('a')
		void cache.get('b')
		cache.clear()
		const a2 = cache.get('a')
		calls[0]?.resolve('old a')
		calls[1]?.resolve('old b')
		await flush()
		expect(cache.peek('a')).toBeUndefined()
		expect(cache.peek('b')).toBeUndefined()
		calls[2]?.resolve('new a')
		expect(await a2).toBe('new a')
		expect(cache.peek('a')).toBe('new a')
	})

	it('a failed load is passed on and not cached; a stale failure does not unregister a newer flight', async () => {
		const { calls, load } = manualLoader<string>()
		const cache = new SingleFlightCache(load)
		const failing = cache.get('k')
		calls[0]?.reject(new Error('database busy'))
		await expect(failing).rejects.toThrow('database busy')
		await flush()
		const stale = cache.get('k')
		cache.invalidate('k')
		const fresh = cache.get('k')
		calls[1]?.reject(new Error('stale failure'))
		await expect(stale).rejects.toThrow('stale failure')
		await flush()
		void cache.get('k')
		expect(calls).toHaveLength(3) // joined the fresh flight
		calls[2]?.resolve('ok')
		expect(await fresh).toBe('ok')
	})

	it('keeps only the values `keep` accepts', async () => {
		const { calls, load } = manualLoader<string | null>()
		const cache = new SingleFlightCache(load, (v) => v !== null)
		const miss = cache.get('unknown')
		calls[0]?.resolve(null)
		expect(await miss).toBeNull()
		void cache.get('unknown')
		expect(calls).toHaveLength(2)
	})
})
