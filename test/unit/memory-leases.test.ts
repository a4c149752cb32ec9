import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { leasesOf, MemoryLeases } from '../../src/delivery/memory-leases'
import { tempDir } from '../helpers'

describe('delivery leases held in memory (SQLite)', () => {
	test('one lease per id: taken, looked up by destination, released by rule or by id', () => {
		const leases = new MemoryLeases()
		leases.take('dlv_1', { destinationId: 'dst_a', owner: 'w_1', until: 100 })
		leases.take('dlv_2', { destinationId: 'dst_a', owner: 'w_2', until: 300 })
		leases.take('dlv_3', { destinationId: 'dst_b', owner: 'w_1', until: 200 })
		expect([...leases.idsOf('dst_a')]).toEqual(['dlv_1', 'dlv_2'])
		expect(leases.holder('dlv_3')).toEqual({ destinationId: 'dst_b', owner: 'w_1', until: 200 })
		// Taken again (a lease that lapsed and was claimed afresh, for another destination here): one entry.
		leases.take('dlv_1', { destinationId: 'dst_b', owner: 'w_3', until: 400 })
		expect([...leases.idsOf('dst_a')]).toEqual(['dlv_2'])
		expect([...leases.idsOf('dst_b')].toSorted()).toEqual(['dlv_1', 'dlv_3'])
		expect(leases.releaseWhere((l) => l.until < 250)).toEqual(['dlv_3'])
		expect(leases.release('dlv_2')).toBe(true)
		expect(leases.release('dlv_2')).toBe(false)
		expect(leases.idsOf('dst_a').size).toBe(0)
		expect(leases.ids()).toEqual(['dlv_1'])
		expect(leases.size).toBe(1)
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
		first.leases.take('dlv_1', { destinationId: 'dst_a', owner: 'w_1', until: 100 })
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
