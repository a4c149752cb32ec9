import { describe, expect, it } from 'bun:test'
import { idFloorAt, isId, newApiKeyId, newId, newRequestId } from '../../src/lib/ids'

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
