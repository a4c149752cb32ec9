import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { leasesOf, MARK_MS, MemoryLeases } from '../../src/delivery/memory-leases'
import { tempDir } from '../helpers'

describe('delivery leases held in memory (SQLite)', () => {
	test('one lease per id: taken, looked up by destination, released by rule or by id', () => {
		const leases = new MemoryLeases()
		leases.take('dlv_1', { destinationId: 'dst_a', owner: 'w_1', until: 100, dueAt: 0 })
		leases.take('dlv_2', { destinationId: 'dst_a', owner: 'w_2', until: 300, dueAt: 0 })
		leases.take('dlv_3', { destinationId: 'dst_b', owner: 'w_1', until: 200, dueAt: 0 })
		expect([...leases.idsOf('dst_a')]).toEqual(['dlv_1', 'dlv_2'])
		expect(leases.holder('dlv_3')).toEqual({ destinationId: 'dst_b', owner: 'w_1', until: 200, dueAt: 0 })
		// Taken again (a lease that lapsed and was claimed afresh, for another destination here): one entry.
		leases.take('dlv_1', { destinationId: 'dst_b', owner: 'w_3', until: 400, dueAt: 0 })
		expect([...leases.idsOf('dst_a')]).toEqual(['dlv_2'])
		expect([...leases.idsOf('dst_b')].toSorted()).toEqual(['dlv_1', 'dlv_3'])
		expect(leases.releaseWhere((l) => l.until < 250)).toEqual(['dlv_3'])
		expect(leases.release('dlv_2')).toBe(true)
		expect(leases.release('dlv_2')).toBe(false)
		expect(leases.idsOf('dst_a').size).toBe(0)
		expect(leases.ids()).toEqual(['dlv_1'])
		expect(leases.size).toBe(1)
	})

	describe("a destination's claim mark: every row leased for it sorts at or below it", () => {
		const lease = { destinationId: 'dst_a', owner: 'w_1', until: 1e9 }
		/** Claims `ids` (keys dueAt, id) at `now` as the repo does: leases them, then reports the claim. */
		const claim = (leases: MemoryLeases, keys: [number, string][], limit: number, now = 1000) => {
			const fromMark = leases.markOf('dst_a', now) !== null
			for (const [dueAt, id] of keys) leases.take(id, { ...lease, dueAt })
			// The repo hands over the rows' count and the one that sorts last (the keys here are in order).
			const last = keys.at(-1)
			leases.claimed('dst_a', keys.length, last ? { dueAt: last[0], id: last[1] } : null, limit, fromMark, now)
		}

		test('a full claim marks its last row; a short one, an empty one or another destination leave none', () => {
			const leases = new MemoryLeases()
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [[5, 'dlv_b'], [5, 'dlv_c'], [7, 'dlv_a']], 3)
			expect(leases.markOf('dst_a', 1000)).toEqual({ dueAt: 7, id: 'dlv_a' })
			expect(leases.markOf('dst_b', 1000)).toBeNull()
			claim(leases, [[8, 'dlv_d'], [9, 'dlv_e']], 2)
			expect(leases.markOf('dst_a', 1000)).toEqual({ dueAt: 9, id: 'dlv_e' })
			claim(leases, [[10, 'dlv_f']], 2)
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [], 2)
			expect(leases.markOf('dst_a', 1000)).toBeNull()
		})

		test(`lapses ${MARK_MS} ms after the walk of the whole queue that set it, however far claims moved it`, () => {
			const leases = new MemoryLeases()
			claim(leases, [[5, 'dlv_a']], 1, 1000)
			claim(leases, [[6, 'dlv_b']], 1, 1000 + MARK_MS - 1)
			expect(leases.markOf('dst_a', 1000 + MARK_MS - 1)).toEqual({ dueAt: 6, id: 'dlv_b' })
			expect(leases.markOf('dst_a', 1000 + MARK_MS)).toBeNull()
			claim(leases, [[7, 'dlv_c']], 1, 5000)
			expect(leases.markOf('dst_a', 4999)).toBeNull() // a clock stepped back
		})

		test('a walk of the whole queue leaves no mark while a row leased for the destination sorts above its last row', () => {
			const leases = new MemoryLeases()
			claim(leases, [[5, 'dlv_a'], [6, 'dlv_b'], [7, 'dlv_c']], 3)
			leases.release('dlv_a') // given back: the next claim walks the whole queue
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [[5, 'dlv_a']], 1) // dlv_b and dlv_c, still leased, sort above it
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [[8, 'dlv_d']], 1)
			expect(leases.markOf('dst_a', 1000)).toEqual({ dueAt: 8, id: 'dlv_d' })
		})

		test('keys of one due time sort by id: a leased row of the same due time and a larger id sorts above', () => {
			const leases = new MemoryLeases()
			claim(leases, [[5, 'dlv_a'], [5, 'dlv_c']], 2)
			leases.release('dlv_a')
			claim(leases, [[5, 'dlv_a']], 1) // dlv_c, still leased, sorts above (5, dlv_a)
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [[5, 'dlv_d']], 1)
			expect(leases.markOf('dst_a', 1000)).toEqual({ dueAt: 5, id: 'dlv_d' })
		})

		test('a lease given back drops the mark; a finished one only when its retry sorts at or below it', () => {
			const leases = new MemoryLeases()
			claim(leases, [[5, 'dlv_a'], [6, 'dlv_b'], [7, 'dlv_c'], [8, 'dlv_d']], 4)
			leases.finished('dlv_a', null) // delivered or dead
			leases.finished('dlv_b', 9) // a retry past the mark
			expect(leases.markOf('dst_a', 1000)).toEqual({ dueAt: 8, id: 'dlv_d' })
			leases.finished('dlv_c', 8) // (8, dlv_c) sorts below (8, dlv_d)
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [[9, 'dlv_g']], 1)
			leases.finished('dlv_g', 9) // the mark's own row, due again at its key
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [[10, 'dlv_e']], 1)
			expect(leases.markOf('dst_a', 1000)).toEqual({ dueAt: 10, id: 'dlv_e' })
			leases.releaseWhere((l) => l.owner === 'w_1')
			expect(leases.markOf('dst_a', 1000)).toBeNull()
			claim(leases, [[11, 'dlv_f']], 1)
			leases.dropMarks()
			expect(leases.markOf('dst_a', 1000)).toBeNull()
		})
	})

	test('handles on one database file share its leases until the last one is released; then it starts afresh', () => {
		const dir = tempDir('hookstream-leases-')
		const [file, other] = [join(dir, 'a.db'), join(dir, 'b.db')]
		writeFileSync(file, '')
		writeFileSync(other, '')
		const first = leasesOf(file)
		const second = leasesOf(join(dir, '.', 'a.db'))
		const elsewhere = leasesOf(other)
		expect(second.leases).toBe(first.leases)
		expect(elsewhere.leases).not.toBe(first.leases)
		first.leases.take('dlv_1', { destinationId: 'dst_a', owner: 'w_1', until: 100, dueAt: 0 })
		first.release()
		first.release() // twice: counted once
		const third = leasesOf(file)
		expect(third.leases.holder('dlv_1')?.owner).toBe('w_1')
		second.release()
		third.release()
		const fresh = leasesOf(file)
		expect(fresh.leases.size).toBe(0)
		fresh.release()
		elsewhere.release()
	})

})
