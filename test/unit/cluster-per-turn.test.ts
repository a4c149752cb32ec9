import { describe, expect, it } from 'bun:test'
import { perTurn } from '../../src/cluster/per-turn'

/** One event-loop turn later: setImmediate callbacks queued before this one have run. */
const nextTurn = () => new Promise<void>((r) => setImmediate(r))

describe('perTurn', () => {
	it('hands what one turn added to flush once, on the next turn, and starts afresh after it', async () => {
		const flushed: string[][] = []
		const add = perTurn<string>((items) => flushed.push(items))
		add('a')
		add('b')
		add('a')
		expect(flushed).toEqual([]) // nothing goes out within the turn
		await nextTurn()
		expect(flushed).toEqual([['a', 'b']])
		add('c')
		await nextTurn()
		expect(flushed).toEqual([['a', 'b'], ['c']])
		await nextTurn()
		expect(flushed.length).toBe(2) // an idle turn sends nothing
	})

	it('folds items by key (first kept, in order) and keeps distinct objects by default', async () => {
		const byKey: [string, number][][] = []
		const add = perTurn<[string, number]>((items) => byKey.push(items), (item) => item[0])
		add(['x', 1])
		add(['y', 2])
		add(['x', 3])
		const objects: string[][][] = []
		const push = perTurn<string[]>((items) => objects.push(items))
		push(['same'])
		push(['same'])
		await nextTurn()
		expect(byKey).toEqual([[['x', 1], ['y', 2]]])
		expect(objects).toEqual([[['same'], ['same']]])
	})

	it('a signal with no payload goes out once per turn', async () => {
		let sent = 0
		const wake = perTurn<void>(() => sent++)
		for (let i = 0; i < 5; i++) wake()
		await nextTurn()
		wake()
		await nextTurn()
		expect(sent).toBe(2)
	})

	it('what flush itself adds goes out on the following turn', async () => {
		const flushed: number[][] = []
		const add: (n: number) => void = perTurn<number>((items) => {
			flushed.push(items)
			if (items[0] === 1) add(2)
		})
		add(1)
		await nextTurn()
		expect(flushed).toEqual([[1]])
		await nextTurn()
		expect(flushed).toEqual([[1], [2]])
	})
})
