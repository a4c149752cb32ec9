import { describe, expect, it } from 'bun:test'
import { createHmac } from 'node:crypto'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, sec } from './helpers'
import { describeVector } from './vectors'

// signatures.md §13: paddle-node-sdk's webhooks-validator tests (clock faked to 1698796800).
const TS = 1698796800
const SECRET = 'VALID_SECRET'
const BODY = '{"data": ["1", "2"]}'
const H1 = 'a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9'
const H1_OLD = '1a316b787707cb5a80c9296ffb063ac87dca6543cd5e0067a25539daa9a8939b'
const ROLL = `ts=${TS};h1=${H1_OLD};h1=${H1}`

const req = (header: string, nowMs = sec(TS), body: string = BODY) =>
	makeRequest({ headers: { 'Paddle-Signature': header }, body, nowMs })
const settings = (secrets: string[] = [SECRET], config: Record<string, unknown> = {}) =>
	makeSettings('paddle', secrets, 'Paddle-Signature', config)

describe('Paddle Billing (signatures.md §13)', () => {
	describeVector('official vector', { type: 'paddle', secret: SECRET, body: BODY, headers: { 'Paddle-Signature': `ts=${TS};h1=${H1}` }, nowMs: sec(TS) })
	describeVector('official vector with repeated h1 and an h2 decoy', {
		type: 'paddle', secret: SECRET, body: '{"data": "value"}', nowMs: sec(TS),
		headers: {
			'Paddle-Signature': `ts=${TS};h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h2=RANDOM_HASH`
		}
	})
	describeVector('rotation header, old secret', { type: 'paddle', secret: 'OLD_SECRET', body: BODY, headers: { 'Paddle-Signature': ROLL }, nowMs: sec(TS) })

	it('rejects the official extra-spaces body', () => {
		expect(verifyRequest(req(`ts=${TS};h1=${H1}`, sec(TS), '{ "data": [ "1", "2" ]}'), settings())).toBe(false)
	})
	it('checks every h1, not just the last (the SDK keeps only the last)', () => {
		expect(verifyRequest(req(ROLL), settings([SECRET]))).toBe(true)
		expect(verifyRequest(req(ROLL), settings(['OLD_SECRET']))).toBe(true)
		expect(verifyRequest(req(`ts=${TS};h1=${H1};h1=${'0'.repeat(64)}`), settings())).toBe(true)
	})
	it('matches the SDK timing: ts+1 s and ts+5 s valid, ts+6 s invalid', () => {
		const header = `ts=${TS};h1=${H1}`
		expect(verifyRequest(req(header, sec(TS + 1)), settings())).toBe(true)
		expect(verifyRequest(req(header, sec(TS + 5)), settings())).toBe(true)
		expect(verifyRequest(req(header, sec(TS + 6)), settings())).toBe(false)
	})
	it('honours tolerance_seconds', () => {
		const header = `ts=${TS};h1=${H1}`
		expect(verifyRequest(req(header, sec(TS + 60)), settings([SECRET], { tolerance_seconds: 120 }))).toBe(true)
		expect(verifyRequest(req(header, sec(TS + 121)), settings([SECRET], { tolerance_seconds: 120 }))).toBe(false)
	})
	it('rejects headers missing ts or h1, or with a malformed ts', () => {
		expect(verifyRequest(req(`h1=${H1}`), settings())).toBe(false)
		expect(verifyRequest(req(`ts=${TS}`), settings())).toBe(false)
		expect(verifyRequest(req(`ts=${TS};h2=${H1}`), settings())).toBe(false)
		expect(verifyRequest(req(`ts=${TS}.0;h1=${H1}`), settings())).toBe(false)
		expect(verifyRequest(req(`ts=${TS};ts=${TS};h1=${H1}`), settings())).toBe(false)
		expect(verifyRequest(makeRequest({ body: BODY, nowMs: sec(TS) }), settings())).toBe(false)
	})
	it('signs {ts}:{body} with a colon, not a dot', () => {
		const dotted = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex')
		expect(verifyRequest(req(`ts=${TS};h1=${dotted}`), settings())).toBe(false)
		expect(verifyRequest(req(`ts=${TS - 1};h1=${H1}`), settings())).toBe(false)
	})
})
