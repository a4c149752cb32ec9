import { describe, expect, it } from 'bun:test'
import { createHmac } from 'node:crypto'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings } from './helpers'
import { describeVector } from './vectors'

// signatures.md §9 (computed vector).
const SECRET = 'lin_wh_test_secret'
const TS_MS = 1700000000000
const BODY = '{"action":"create","type":"Issue","data":{"id":"issue_1"},"webhookTimestamp":1700000000000}'
const SIG = 'd892348e4c12c27790b3ff7242e919789284bb61507a646357e5f9a7d1dfa287'

const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('hex')
const req = (nowMs: number, body = BODY, sig = SIG, extra: Record<string, string> = {}) =>
	makeRequest({ headers: { 'Linear-Signature': sig, ...extra }, body, nowMs })
const settings = (config: Record<string, unknown> = {}) => makeSettings('linear', [SECRET], 'Linear-Signature', config)

describe('Linear (signatures.md §9)', () => {
	describeVector('computed vector', {
		type: 'linear', secret: SECRET, body: BODY, nowMs: TS_MS,
		headers: { 'Linear-Signature': SIG, 'Linear-Timestamp': String(TS_MS) }
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
	it('requires webhookTimestamp unless require_timestamp is false', () => {
		const body = '{"action":"create","type":"Issue"}'
		expect(verifyRequest(req(TS_MS, body, sign(body)), settings())).toBe(false)
		expect(verifyRequest(req(TS_MS, body, sign(body)), settings({ require_timestamp: false }))).toBe(true)
		expect(verifyRequest(req(TS_MS, 'not json', sign('not json')), settings({ require_timestamp: false }))).toBe(true)
	})
	it('rejects a present but unusable webhookTimestamp even when not required', () => {
		const body = '{"webhookTimestamp":"yesterday"}'
		expect(verifyRequest(req(TS_MS, body, sign(body)), settings({ require_timestamp: false }))).toBe(false)
	})
	it('rejects a prefixed, truncated or missing signature', () => {
		expect(verifyRequest(req(TS_MS, BODY, `sha256=${SIG}`), settings())).toBe(false)
		expect(verifyRequest(req(TS_MS, BODY, SIG.slice(0, 40)), settings())).toBe(false)
		expect(verifyRequest(makeRequest({ body: BODY, nowMs: TS_MS }), settings())).toBe(false)
	})
})
