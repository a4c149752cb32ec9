import { describe, expect, it } from 'bun:test'
import { seqOfId } from '../../src/events/seq-sql'
import { idFloorAt, isId, newApiKeyId, newId, newRequestId, SeqIdMinter } from '../../src/lib/ids'

describe('ids', () => {
	it('have the contract formats', () => {
		expect(newId('src')).toMatch(/^src_[0-9a-f]{32}$/)
		expect(newApiKeyId()).toMatch(/^ak_[0-9a-f]{16}$/)
		expect(newRequestId()).toMatch(/^req_[0-9a-f]{12}$/)
		expect(isId('evt', newId('evt'))).toBe(true)
		expect(isId('evt', newId('src'))).toBe(false)
	})

	it('sort by creation time, also within one millisecond', () => {
		const ids = Array.from({ length: 1000 }, () => newId('evt'))
		expect([...ids].sort()).toEqual(ids)
	})

	it('idFloorAt bounds every id created earlier', () => {
		const t = Date.parse('2026-05-01T00:00:00Z')
		const before = newId('evt', t - 1)
		const at = newId('evt', t)
		expect(before < idFloorAt('evt', t)).toBe(true)
		expect(at >= idFloorAt('evt', t)).toBe(true)
	})
})

describe('event ids (SeqIdMinter)', () => {
	const T = Date.parse('2026-11-29T12:00:00Z')
	const hexAt = (ms: number) => ms.toString(16).padStart(12, '0')

	it('are UUIDv7 in the contract format: the receipt millisecond, version 7, a counter, the variant, random bits; the seq is the leading 64 bits', () => {
		const minter = new SeqIdMinter('evt')
		const { id, seq } = minter.next(T)
		expect(id).toMatch(/^evt_[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$/)
		expect(id.slice(4, 16)).toBe(hexAt(T))
		expect(seq).toBe(BigInt(`0x${id.slice(4, 20)}`))
		expect(seqOfId(id)).toBe(seq)
		expect(isId('evt', id)).toBe(true)
		expect(id >= idFloorAt('evt', T) && id < idFloorAt('evt', T + 1)).toBe(true)
	})

	it('mint in order: a later call never sorts before an earlier one, even for an earlier receipt, and the counter runs within a millisecond', () => {
		const minter = new SeqIdMinter('evt')
		const at = [T, T, T + 5, T + 2, T + 5, T + 6]
		const minted = at.map((ms) => minter.next(ms))
		const ids = minted.map((m) => m.id)
		expect([...ids].sort()).toEqual(ids)
		expect(new Set(minted.map((m) => m.seq)).size).toBe(ids.length)
		// The receipt time where it is not earlier than the last id's; the last id's millisecond where it is.
		expect(ids.map((id) => Number.parseInt(id.slice(4, 16), 16) - T)).toEqual([0, 0, 5, 5, 5, 6])
		expect(ids.map((id) => Number.parseInt(id.slice(17, 20), 16))).toEqual([0, 1, 0, 1, 2, 0])
	})

	it('a 4097th id in one millisecond borrows the next one', () => {
		const minter = new SeqIdMinter('evt')
		const ids = Array.from({ length: 4097 }, () => minter.next(T).id)
		expect(ids.at(-2)?.slice(4, 20)).toBe(`${hexAt(T)}7fff`)
		expect(ids.at(-1)?.slice(4, 20)).toBe(`${hexAt(T + 1)}7000`)
		expect([...ids].sort()).toEqual(ids)
	})

	it('after(seq) goes on past a newer stored id, and ignores an older one', () => {
		const minter = new SeqIdMinter('evt')
		minter.after(BigInt(`0x${hexAt(T + 1000)}7004`))
		expect(minter.next(T).id.slice(4, 20)).toBe(`${hexAt(T + 1000)}7005`)
		minter.after(BigInt(`0x${hexAt(T)}7000`))
		expect(minter.next(T).id.slice(4, 20)).toBe(`${hexAt(T + 1000)}7006`)
	})

	it('seqOfId reads the seq only from well-formed ids whose first digit fits a signed 64-bit integer', () => {
		expect(seqOfId('evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b')).toBe(0x0193a1b2c3d47e8fn)
		for (const bad of ['evt_1', 'evt_x', 'evt_8193a1b2c3d47e8f9a0b1c2d3e4f5a6b', 'evt_0193A1B2C3D47E8F9A0B1C2D3E4F5A6B', 'src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b', '']) {
			expect(seqOfId(bad)).toBeNull()
		}
	})
})
