import { describe, expect, it } from 'bun:test'
import { GroupCommitter } from '../../src/db/write'
import { Linger } from '../../src/delivery/linger'

/** A group committer whose transactions are recorded: each batch is one commit. */
function recording() {
	const batches: number[][] = []
	const committer = new GroupCommitter<number, void>(async (items) => {
		batches.push(items)
	})
	return { batches, committer }
}

describe('Linger', () => {
	it('writes arriving a few at a time in separate turns share one commit', async () => {
		const { batches, committer } = recording()
		const linger = new Linger(committer, { count: 100, ms: 20 })
		const written: Promise<void>[] = []
		for (let i = 0; i < 5; i++) {
			written.push(linger.write(i))
			await new Promise((resolve) => setImmediate(resolve)) // a group committer alone would commit each turn
		}
		expect(batches).toEqual([])
		await Promise.all(written)
		expect(batches).toEqual([[0, 1, 2, 3, 4]])
	})

	it('hands over at once when the count is reached, and drain commits what is held', async () => {
		const { batches, committer } = recording()
		const linger = new Linger(committer, { count: 3, ms: 60_000 })
		const full = [linger.write(1), linger.write(2), linger.write(3)]
		await Promise.all(full)
		expect(batches).toEqual([[1, 2, 3]])
		const held = linger.write(4)
		await linger.drain()
		await held
		expect(batches).toEqual([[1, 2, 3], [4]])
	})

	it('a failed commit rejects the writes it held', async () => {
		const committer = new GroupCommitter<number, void>(async () => {
			throw new Error('disk full')
		})
		const linger = new Linger(committer, { count: 2, ms: 5 })
		await expect(linger.write(1)).rejects.toThrow('disk full')
	})
})
