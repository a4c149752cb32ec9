import { describe, expect, it } from 'bun:test'
import { hasVerifier, VERIFICATION_TYPES, VERIFIERS, verifyRequest } from '../../../src/verify'
import type { VerificationType, VerifySettings } from '../../../src/verify/types'
import { makeRequest, makeSettings } from './helpers'

const KEY = 'Jefe'
const DATA = 'what do ya want for nothing?'
const SHA256_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'

describe('verifyRequest dispatch', () => {
	it('has a verifier for every VerificationType', () => {
		for (const type of VERIFICATION_TYPES) {
			expect(typeof VERIFIERS[type]).toBe('function')
			expect(hasVerifier(type)).toBe(true)
		}
	})
	it('fails closed for unknown or alias spellings of the type', () => {
		const req = makeRequest({ body: DATA, headers: { 'x-signature': SHA256_HEX } })
		for (const type of ['hmac-sha256', 'none', '', 'toString', '__proto__', 'constructor']) {
			const settings = { type, secrets: [KEY], header: 'X-Signature', config: {} } as unknown as VerifySettings
			expect(verifyRequest(req, settings)).toBe(false)
			expect(hasVerifier(type)).toBe(false)
		}
	})
	it('dispatches on settings.type', () => {
		const req = makeRequest({ body: DATA, headers: { 'x-signature': SHA256_HEX } })
		expect(verifyRequest(req, makeSettings('hmac_sha256', [KEY], 'X-Signature'))).toBe(true)
		expect(verifyRequest(req, makeSettings('hmac_sha1', [KEY], 'X-Signature'))).toBe(false)
	})
	it('rejects every type when there are no secrets, and never throws on junk', () => {
		const junk = makeRequest({
			url: '::not a url::', body: new Uint8Array([0xff, 0xfe, 0x00]),
			headers: {
				'x-signature': '%%%', 'stripe-signature': 't=,v1=,,==', 'x-slack-signature': 'v0=', 'x-slack-request-timestamp': '-1',
				'x-twilio-signature': '====', 'paddle-signature': ';;;=', 'linear-signature': 'zz', authorization: 'Basic',
				'svix-id': '', 'webhook-id': 'a', 'webhook-timestamp': '1e3', 'webhook-signature': 'v1a,AAAA v1, ,',
				'x-twilio-email-event-webhook-signature': 'MEUC', 'x-twilio-email-event-webhook-timestamp': '1',
				'content-type': 'application/x-www-form-urlencoded'
			}
		})
		for (const type of VERIFICATION_TYPES as readonly VerificationType[]) {
			// Called directly too: the registry's try/catch must not be what keeps a verifier from throwing.
			expect(VERIFIERS[type](junk, makeSettings(type, ['secret', 'whsec_AAAA', 'whpk_AAAA', 'user:pass']))).toBe(false)
			expect(verifyRequest(junk, makeSettings(type, []))).toBe(false)
			expect(verifyRequest(junk, makeSettings(type, ['secret', 'whsec_AAAA', 'whpk_AAAA', 'user:pass']))).toBe(false)
			expect(verifyRequest(junk, makeSettings(type, ['secret'], null, { tolerance_seconds: 'x', encoding: 1 }))).toBe(false)
		}
	})
	it('fails closed on malformed settings objects', () => {
		const req = makeRequest({ body: DATA, headers: { 'x-signature': SHA256_HEX } })
		const broken = { type: 'hmac_sha256', secrets: null, header: null, config: {} } as unknown as VerifySettings
		expect(verifyRequest(req, broken)).toBe(false)
		const noConfig = { type: 'hmac_sha256', secrets: [KEY], header: null, config: null } as unknown as VerifySettings
		expect(verifyRequest(req, noConfig)).toBe(false)
	})
})
