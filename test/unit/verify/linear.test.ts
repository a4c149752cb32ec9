import { describe, expect, it } from 'bun:test'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, webCryptoHmac } from './helpers'
import { describeVector } from './vectors'

// signatures.md §9 has no vector from Linear; its computed one is re-checked with
// `printf '%s' "$BODY" | openssl dgst -sha256 -hmac lin_wh_test_secret`.
const SECRET = 'lin_wh_test_secret'
const TS_MS = 1700000000000
const BODY = '{"action":"create","type":"Issue","data":{"id":"issue_1"},"webhookTimestamp":1700000000000}'
const SIG = 'd892348e4c12c27790b3ff7242e919789284bb61507a646357e5f9a7d1dfa287'

const sign = (body: string) => webCryptoHmac('SHA-256', SECRET, body, 'hex')
const req = (nowMs: number, body = BODY, sig = SIG, extra: Record<string, string> = {}) =>
	makeRequest({ headers: { 'Linear-Signature': sig, ...extra }, body, nowMs })
const settings = (config: Record<string, unknown> = {}) => makeSettings('linear', [SECRET], 'Linear-Signature', config)

describe('Linear (signatures.md §9)', () => {
	describeVector('signatures.md vector (openssl-checked)', {
		type: 'linear', secret: SECRET, body: BODY, nowMs: TS_MS,
		headers: { 'Linear-Signature': SIG, 'Linear-Timestamp': String(TS_MS) }
	})
	// Produced with openssl (not node:crypto): printf '%s' "$body" | openssl dgst -sha256 -hmac lin_wh_9f3c2e71aa
	describeVector('independent openssl vector (UTF-8 body)', {
		type: 'linear', secret: 'lin_wh_9f3c2e71aa', nowMs: 1712345678901 + 30_000,
		body: '{"action":"update","type":"Comment","data":{"id":"c-9","body":"naïve ✓"},"webhookTimestamp":1712345678901}',
		headers: { 'Linear-Signature': 'a65485de9f475d370919cb2abfc64995eabac93adf13890578be5cd80d445f7e' }
	})
	it('the independent signer agrees with the literal vector', async () => {
		expect(await sign(BODY)).toBe(SIG)
	})

	it('enforces ±60 s on the signed webhookTimestamp (milliseconds)', () => {
		expect(verifyRequest(req(TS_MS + 60_000), settings())).toBe(true)
		expect(verifyRequest(req(TS_MS - 60_000), settings())).toBe(true)
		expect(verifyRequest(req(TS_MS + 60_001), settings())).toBe(false)
		expect(verifyRequest(req(TS_MS - 60_001), settings())).toBe(false)
	})
	it('ignores the unsigned Linear-Timestamp header', () => {
		const fresh = { 'Linear-Timestamp': String(TS_MS + 3_600_000) }
		expect(verifyRequest(req(TS_MS + 3_600_000, BODY, SIG, fresh), settings())).toBe(false)
	})
	it('honours tolerance_seconds', () => {
		expect(verifyRequest(req(TS_MS + 120_000), settings({ tolerance_seconds: 300 }))).toBe(true)
		expect(verifyRequest(req(TS_MS + 11_000), settings({ tolerance_seconds: 10 }))).toBe(false)
	})
	it('requires webhookTimestamp unless require_timestamp is false', async () => {
		const body = '{"action":"create","type":"Issue"}'
		expect(verifyRequest(req(TS_MS, body, await sign(body)), settings())).toBe(false)
		expect(verifyRequest(req(TS_MS, body, await sign(body)), settings({ require_timestamp: false }))).toBe(true)
		expect(verifyRequest(req(TS_MS, 'not json', await sign('not json')), settings({ require_timestamp: false }))).toBe(true)
	})
	it('rejects a present but unusable webhookTimestamp even when not required', async () => {
		const body = '{"webhookTimestamp":"yesterday"}'
		expect(verifyRequest(req(TS_MS, body, await sign(body)), settings({ require_timestamp: false }))).toBe(false)
	})
	it('rejects a prefixed, truncated or missing signature', () => {
		expect(verifyRequest(req(TS_MS, BODY, `sha256=${SIG}`), settings())).toBe(false)
		expect(verifyRequest(req(TS_MS, BODY, SIG.slice(0, 40)), settings())).toBe(false)
		expect(verifyRequest(makeRequest({ body: BODY, nowMs: TS_MS }), settings())).toBe(false)
	})
})
