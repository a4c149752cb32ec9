import { describe, expect, it } from 'bun:test'
import { compiledCache, keyedMac } from '../../../src/verify/compiled'
import { decode } from '../../../src/verify/util'
import { makeSettings } from './helpers'

describe('compiled settings (the hmac and timestamped verifiers’ per-settings cache)', () => {
	it('reads the options once per settings object, keeps the active secrets, and keys one hasher per secret', () => {
		let reads = 0
		const compiledOf = compiledCache((s) => (reads++, s.config.ok === true ? { n: 1 } : null))
		const settings = makeSettings('hmac_sha256', ['s1', '', 's2'], null, { ok: true })
		const c = compiledOf(settings)
		expect(compiledOf(settings)).toBe(c)
		expect(reads).toBe(1)
		expect(c.options).toEqual({ n: 1 })
		expect(c.secrets).toEqual(['s1', 's2'])
		// A changed source is a new settings object: read afresh.
		expect(compiledOf(makeSettings('hmac_sha256', ['s1'], null, {})).options).toBeNull()
		expect(reads).toBe(2)
		let keyed = 0
		const make = (secret: string) => (keyed++, secret === 's1' ? new Bun.CryptoHasher('sha256', secret) : null)
		const mac = keyedMac(c, 's1', { n: 1 }, make)
		expect(keyedMac(c, 's1', { n: 1 }, make)).toBe(mac)
		expect(keyedMac(c, 's2', { n: 1 }, make)).toBeNull()
		expect(keyedMac(c, 's2', { n: 1 }, make)).toBeNull() // an unusable key is remembered too
		expect(keyed).toBe(2)
		expect(mac?.copy().update('x').digest('hex')).toBe(new Bun.CryptoHasher('sha256', 's1').update('x').digest('hex'))
	})
})

describe('decode (every signature and key decoding)', () => {
	it('hex: either case, whole bytes only', () => {
		expect(decode('00ffAb', 'hex')).toEqual(new Uint8Array([0, 255, 171]))
		for (const bad of ['', 'abc', 'zz', '0x00', 'ab cd']) expect(decode(bad, 'hex')).toBeNull()
	})

	it('base64 and base64url: one canonical spelling each, never empty', () => {
		expect(decode('AP+r', 'base64')).toEqual(Buffer.from([0, 255, 171]))
		expect(decode('AP-r', 'base64url')).toEqual(Buffer.from([0, 255, 171]))
		expect(decode('AA', 'base64url')).toEqual(Buffer.from([0]))
		expect(decode('AA==', 'base64url')).toEqual(Buffer.from([0]))
		for (const bad of ['', 'AA', 'AP-r', 'AB==', 'A*==']) expect(decode(bad, 'base64')).toBeNull()
	})
})
