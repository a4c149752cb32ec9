import { describe, expect, it } from 'bun:test'
import { createHash } from 'node:crypto'
import { sha256Hex } from '../../src/lib/crypto'

/** sha256Hex keys payload-hash dedup and API key lookups: its output must never change. */
describe('sha256Hex', () => {
	it('matches the FIPS 180-2 vectors for text and bytes', () => {
		expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
		expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
		expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
		expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
	})

	it('hashes text as UTF-8 and a view of a larger buffer as its own bytes only', () => {
		const text = 'b:ключ €'
		expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'))
		const whole = new TextEncoder().encode('xxabcxx')
		expect(sha256Hex(whole.subarray(2, 5))).toBe(sha256Hex('abc'))
	})
})
