/**
 * Registers the four checks every test vector gets: it verifies; one body byte
 * changed fails; a wrong secret fails; rotation (a wrong secret listed before
 * the right one) verifies.
 */
import { describe, expect, it } from 'bun:test'
import { verifyRequest } from '../../../src/verify'
import { otherSecret, tamper, type Vector, vectorRequest, vectorSettings } from './helpers'

export function describeVector(name: string, v: Vector): void {
	const wrong = v.wrongSecret ?? otherSecret(v.secret)
	describe(name, () => {
		it('accepts the vector', () => {
			expect(verifyRequest(vectorRequest(v), vectorSettings(v))).toBe(true)
		})
		it('rejects the body with one byte changed', () => {
			expect(verifyRequest(vectorRequest(v, tamper(v.body)), vectorSettings(v))).toBe(false)
		})
		it('rejects a wrong secret', () => {
			expect(verifyRequest(vectorRequest(v), vectorSettings(v, [wrong]))).toBe(false)
		})
		it('accepts when any one of several secrets matches', () => {
			expect(verifyRequest(vectorRequest(v), vectorSettings(v, [wrong, v.secret]))).toBe(true)
		})
	})
}
