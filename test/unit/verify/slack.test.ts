import { describe, expect, it } from 'bun:test'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, sec } from './helpers'
import { describeVector } from './vectors'

// signatures.md §5: Slack's documented example (python-slack-sdk test).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5'
const TS = 1531420618
const BODY =
	'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
const SIG = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503'

const headers = (sig = SIG, ts = String(TS)) => ({ 'X-Slack-Signature': sig, 'X-Slack-Request-Timestamp': ts })
const req = (nowMs = sec(TS), h: Record<string, string> = headers()) => makeRequest({ headers: h, body: BODY, nowMs })
const settings = (config: Record<string, unknown> = {}, header: string | null = 'X-Slack-Signature') =>
	makeSettings('slack', [SECRET], header, config)

describe('Slack (signatures.md §5)', () => {
	describeVector('official vector', { type: 'slack', secret: SECRET, body: BODY, headers: headers(), nowMs: sec(TS) })

	it('uses the default headers when none is configured', () => {
		expect(verifyRequest(req(), settings({}, null))).toBe(true)
	})
	it('rejects timestamps more than 300 s away in either direction', () => {
		expect(verifyRequest(req(sec(TS + 300)), settings())).toBe(true)
		expect(verifyRequest(req(sec(TS - 300)), settings())).toBe(true)
		expect(verifyRequest(req(sec(TS + 301)), settings())).toBe(false)
		expect(verifyRequest(req(sec(TS - 301)), settings())).toBe(false)
	})
	it('honours tolerance_seconds', () => {
		expect(verifyRequest(req(sec(TS + 61)), settings({ tolerance_seconds: 60 }))).toBe(false)
		expect(verifyRequest(req(sec(TS + 3600)), settings({ tolerance_seconds: 7200 }))).toBe(true)
	})
	it('rejects a changed, missing or non-numeric timestamp', () => {
		expect(verifyRequest(req(sec(TS + 1), headers(SIG, String(TS + 1))), settings())).toBe(false)
		expect(verifyRequest(req(sec(TS), { 'X-Slack-Signature': SIG }), settings())).toBe(false)
		expect(verifyRequest(req(sec(TS), headers(SIG, 'abc')), settings())).toBe(false)
	})
	it('requires the v0= version prefix and a well-formed digest', () => {
		expect(verifyRequest(req(sec(TS), headers(SIG.slice(3))), settings())).toBe(false)
		expect(verifyRequest(req(sec(TS), headers(`v1=${SIG.slice(3)}`)), settings())).toBe(false)
		expect(verifyRequest(req(sec(TS), headers(SIG.slice(0, -1))), settings())).toBe(false)
	})
	it('reads a configured timestamp header', () => {
		const h = { 'X-Slack-Signature': SIG, 'X-Alt-Ts': String(TS) }
		expect(verifyRequest(req(sec(TS), h), settings({ timestamp_header: 'X-Alt-Ts' }))).toBe(true)
		expect(verifyRequest(req(sec(TS), h), settings())).toBe(false)
	})
})
