import { describe, expect, it } from 'bun:test'
import { generateKeyPairSync, sign } from 'node:crypto'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, sec, tamper } from './helpers'
import { describeVector } from './vectors'

// signatures.md §7: sendgrid-nodejs eventwebhook.spec.js.
const PUBLIC_KEY =
	'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=='
const TS = 1588788367
const BODY = '{"category":"example_payload","event":"test_event","message_id":"message_id"}'
const SIG = 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0='
const SIG_HEADER = 'X-Twilio-Email-Event-Webhook-Signature'
const TS_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp'

function keyPair(): { publicDer: string; publicPem: string; sign: (data: string) => string } {
	const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
	return {
		publicDer: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
		publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
		sign: (data) => sign('sha256', Buffer.from(data), privateKey).toString('base64')
	}
}

const other = keyPair()
const headers = (sig = SIG, ts = String(TS)) => ({ [SIG_HEADER]: sig, [TS_HEADER]: ts })
const req = (h: Record<string, string>, nowMs = sec(TS), body: string | Uint8Array = BODY) => makeRequest({ headers: h, body, nowMs })
const settings = (secrets: string[], config: Record<string, unknown> = {}) => makeSettings('sendgrid_ecdsa', secrets, SIG_HEADER, config)

describe('SendGrid Signed Event Webhook (signatures.md §7)', () => {
	describeVector('official vector', {
		type: 'sendgrid_ecdsa', secret: PUBLIC_KEY, wrongSecret: other.publicDer, body: BODY, headers: headers(), nowMs: sec(TS)
	})

	it('fails with timestamp "timestamp" and with payload "payload" (the SDK spec cases)', () => {
		expect(verifyRequest(req(headers(SIG, 'timestamp')), settings([PUBLIC_KEY]))).toBe(false)
		expect(verifyRequest(req(headers(), sec(TS), 'payload'), settings([PUBLIC_KEY]))).toBe(false)
	})
	it('rejects a shifted timestamp and stale or far-future deliveries', () => {
		expect(verifyRequest(req(headers(SIG, String(TS + 1)), sec(TS + 1)), settings([PUBLIC_KEY]))).toBe(false)
		expect(verifyRequest(req(headers(), sec(TS + 301)), settings([PUBLIC_KEY]))).toBe(false)
		expect(verifyRequest(req(headers(), sec(TS - 301)), settings([PUBLIC_KEY]))).toBe(false)
		expect(verifyRequest(req(headers(), sec(TS + 300)), settings([PUBLIC_KEY]))).toBe(true)
		expect(verifyRequest(req(headers(), sec(TS + 86400)), settings([PUBLIC_KEY], { tolerance_seconds: 0 }))).toBe(true)
	})
	it('rejects a missing header, a non-DER signature and a non-P-256 key', () => {
		expect(verifyRequest(req({ [SIG_HEADER]: SIG }), settings([PUBLIC_KEY]))).toBe(false)
		expect(verifyRequest(req({ [TS_HEADER]: String(TS) }), settings([PUBLIC_KEY]))).toBe(false)
		expect(verifyRequest(req(headers('AAAA')), settings([PUBLIC_KEY]))).toBe(false)
		const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
		expect(verifyRequest(req(headers()), settings([rsa, 'not a key', '']))).toBe(false)
	})

	describe('signed with a generated P-256 key', () => {
		const kp = keyPair()
		const body = JSON.stringify([{ email: 'a@example.com', event: 'delivered', sg_event_id: 'ev_1' }])
		const now = 1_760_000_000
		const h = headers(kp.sign(`${now}${body}`), String(now))

		it('accepts the DER SPKI base64 key and the PEM key', () => {
			expect(verifyRequest(req(h, sec(now), body), settings([kp.publicDer]))).toBe(true)
			expect(verifyRequest(req(h, sec(now), body), settings([kp.publicPem]))).toBe(true)
			expect(verifyRequest(req(h, sec(now), body), settings([other.publicDer, kp.publicDer]))).toBe(true)
		})
		it('rejects tampering, another key and an expired timestamp', () => {
			expect(verifyRequest(req(h, sec(now), tamper(body)), settings([kp.publicDer]))).toBe(false)
			expect(verifyRequest(req(h, sec(now), body), settings([other.publicDer]))).toBe(false)
			expect(verifyRequest(req(h, sec(now + 301), body), settings([kp.publicDer]))).toBe(false)
		})
	})
})
