import { describe, expect, it } from 'bun:test'
import { createHmac } from 'node:crypto'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, sec } from './helpers'
import { describeVector } from './vectors'

// RFC 4231 / RFC 2202 test case 2, as listed in signatures.md §17.
const KEY = 'Jefe'
const DATA = 'what do ya want for nothing?'
const SHA256_HEX = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'

describe('generic HMAC: RFC vectors (signatures.md §17)', () => {
	const base = { secret: KEY, body: DATA, header: 'X-Signature' }
	describeVector('sha256 hex', { ...base, type: 'hmac_sha256', headers: { 'x-signature': SHA256_HEX } })
	describeVector('sha256 base64', {
		...base, type: 'hmac_sha256', config: { encoding: 'base64' },
		headers: { 'x-signature': 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=' }
	})
	describeVector('sha256 base64url', {
		...base, type: 'hmac_sha256', config: { encoding: 'base64url' },
		headers: { 'x-signature': 'W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM' }
	})
	describeVector('sha256 prefixed', {
		...base, type: 'hmac_sha256', config: { prefix: 'sha256=' },
		headers: { 'x-signature': `sha256=${SHA256_HEX}` }
	})
	describeVector('sha1 hex', { ...base, type: 'hmac_sha1', headers: { 'x-signature': 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79' } })
	describeVector('sha1 base64', {
		...base, type: 'hmac_sha1', config: { encoding: 'base64' },
		headers: { 'x-signature': '7/zfauXrL6LSdBbV8YTfnCWafHk=' }
	})
	describeVector('sha1 prefixed', {
		...base, type: 'hmac_sha1', config: { prefix: 'sha1=' },
		headers: { 'x-signature': 'sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79' }
	})
	describeVector('sha512 hex', {
		...base, type: 'hmac_sha256', config: { algorithm: 'sha512' },
		headers: {
			'x-signature':
				'164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737'
		}
	})
})

describe('generic HMAC: header and encoding rules', () => {
	const settings = (config: Record<string, unknown> = {}, header: string | null = 'X-Signature') =>
		makeSettings('hmac_sha256', [KEY], header, config)
	const req = (sig: string, name = 'x-signature') => makeRequest({ headers: { [name]: sig }, body: DATA })

	it('verifies request after request with one settings object (its keyed hasher is copied, never consumed)', () => {
		const shared = settings()
		for (let i = 0; i < 3; i++) {
			expect(verifyRequest(req(SHA256_HEX), shared)).toBe(true)
			expect(verifyRequest(makeRequest({ headers: { 'x-signature': SHA256_HEX }, body: `${DATA}!` }), shared)).toBe(false)
		}
	})

	it('reads X-Signature when no header is configured', () => {
		expect(verifyRequest(req(SHA256_HEX), settings({}, null))).toBe(true)
	})
	it('matches the header name case-insensitively', () => {
		expect(verifyRequest(req(SHA256_HEX, 'X-SIGNATURE'), settings({}, 'x-Signature'))).toBe(true)
	})
	it('accepts upper-case hex', () => {
		expect(verifyRequest(req(SHA256_HEX.toUpperCase()), settings())).toBe(true)
	})
	it('strips the algorithm prefix even when none is configured', () => {
		expect(verifyRequest(req(`sha256=${SHA256_HEX}`), settings())).toBe(true)
	})
	it('requires a configured prefix', () => {
		expect(verifyRequest(req(SHA256_HEX), settings({ prefix: 'sha256=' }))).toBe(false)
	})
	it('rejects a missing header, a truncated or non-hex signature', () => {
		expect(verifyRequest(makeRequest({ body: DATA }), settings())).toBe(false)
		expect(verifyRequest(req(SHA256_HEX.slice(0, -2)), settings())).toBe(false)
		expect(verifyRequest(req(`${SHA256_HEX.slice(0, -1)}z`), settings())).toBe(false)
		expect(verifyRequest(req(''), settings())).toBe(false)
	})
	it('rejects non-canonical base64', () => {
		expect(verifyRequest(req('W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=!'), settings({ encoding: 'base64' }))).toBe(false)
		expect(verifyRequest(req('W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEN='), settings({ encoding: 'base64' }))).toBe(false)
		// Standard base64 must carry its padding; base64url may go either way.
		expect(verifyRequest(req('W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM'), settings({ encoding: 'base64' }))).toBe(false)
		expect(verifyRequest(req('W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM='), settings({ encoding: 'base64url' }))).toBe(true)
	})
	it('fails closed on unusable config', () => {
		expect(verifyRequest(req(SHA256_HEX), settings({ encoding: 'hexx' }))).toBe(false)
		expect(verifyRequest(req(SHA256_HEX), settings({ algorithm: 'md5' }))).toBe(false)
		expect(verifyRequest(req(SHA256_HEX), settings({ prefix: 7 }))).toBe(false)
		expect(verifyRequest(req(SHA256_HEX), settings({ tolerance_seconds: -1 }))).toBe(false)
		expect(verifyRequest(req(SHA256_HEX), settings({ signed_payload: '{timestamp}' , timestamp_header: 'x-ts' }))).toBe(false)
		expect(verifyRequest(req(SHA256_HEX), settings({ signed_payload: '{body}{bodyy}' }))).toBe(false)
		expect(verifyRequest(req(SHA256_HEX), settings({ signed_payload: '{timestamp}.{body}' }))).toBe(false)
	})
	it('never treats an empty secret as configured', () => {
		const empty = createHmac('sha256', '').update(DATA).digest('hex')
		expect(verifyRequest(req(empty), makeSettings('hmac_sha256', [''], 'X-Signature'))).toBe(false)
		expect(verifyRequest(req(SHA256_HEX), makeSettings('hmac_sha256', [], 'X-Signature'))).toBe(false)
	})
	it('tries every entry of a multi-signature header', () => {
		const header = `v1=${'0'.repeat(64)} v1=${SHA256_HEX}`
		expect(verifyRequest(req(header), settings({ prefix: 'v1=', multi_sig_separator: ' ' }))).toBe(true)
		expect(verifyRequest(req(header), settings({ prefix: 'v1=' }))).toBe(false)
	})
	it('decodes a base64 key after stripping key_prefix', () => {
		const key = Buffer.from('binary-key-bytes')
		const sig = createHmac('sha256', key).update(DATA).digest('hex')
		const config = { key_encoding: 'base64', key_prefix: 'whsec_' }
		const s = makeSettings('hmac_sha256', [`whsec_${key.toString('base64')}`], 'X-Signature', config)
		expect(verifyRequest(req(sig), s)).toBe(true)
	})
})

describe('generic HMAC: signed_payload with a timestamp', () => {
	const ts = 1700000000
	const body = '{"hello":"world"}'
	const sig = createHmac('sha256', KEY).update(`${ts}.${body}`).digest('hex')
	const config = { signed_payload: '{timestamp}.{body}', timestamp_header: 'X-Timestamp', tolerance_seconds: 300 }
	const s = makeSettings('hmac_sha256', [KEY], 'X-Signature', config)
	const req = (nowMs: number, b: string = body, t = String(ts)) =>
		makeRequest({ headers: { 'x-signature': sig, 'x-timestamp': t }, body: b, nowMs })

	it('accepts within the window, in both directions', () => {
		expect(verifyRequest(req(sec(ts)), s)).toBe(true)
		expect(verifyRequest(req(sec(ts + 300)), s)).toBe(true)
		expect(verifyRequest(req(sec(ts - 300)), s)).toBe(true)
	})
	it('rejects an expired or far-future timestamp', () => {
		expect(verifyRequest(req(sec(ts + 301)), s)).toBe(false)
		expect(verifyRequest(req(sec(ts - 301)), s)).toBe(false)
	})
	it('rejects a changed timestamp, body, or a missing timestamp header', () => {
		expect(verifyRequest(req(sec(ts), body, String(ts + 1)), s)).toBe(false)
		expect(verifyRequest(req(sec(ts), `${body} `), s)).toBe(false)
		expect(verifyRequest(makeRequest({ headers: { 'x-signature': sig }, body, nowMs: sec(ts) }), s)).toBe(false)
	})
	it('reads millisecond timestamps when timestamp_unit is ms', () => {
		const ms = sec(ts)
		const msSig = createHmac('sha256', KEY).update(`${ms}.${body}`).digest('hex')
		const msSettings = makeSettings('hmac_sha256', [KEY], 'X-Signature', { ...config, timestamp_unit: 'ms' })
		const r = (nowMs: number) => makeRequest({ headers: { 'x-signature': msSig, 'x-timestamp': String(ms) }, body, nowMs })
		expect(verifyRequest(r(ms + 1000), msSettings)).toBe(true)
		expect(verifyRequest(r(ms + sec(301)), msSettings)).toBe(false)
	})
	it('emulates Svix with {id}.{timestamp}.{body}, a base64 key and a v1, prefix', () => {
		const svix = makeSettings('hmac_sha256', ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'svix-signature', {
			signed_payload: '{id}.{timestamp}.{body}', id_header: 'svix-id', timestamp_header: 'svix-timestamp',
			encoding: 'base64', prefix: 'v1,', multi_sig_separator: ' ', key_encoding: 'base64', key_prefix: 'whsec_'
		})
		const r = makeRequest({
			body: '{"test": 2432232314}', nowMs: sec(1614265330),
			headers: {
				'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'svix-timestamp': '1614265330',
				'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
			}
		})
		expect(verifyRequest(r, svix)).toBe(true)
	})
})

describe('generic HMAC: options and keys kept per settings object', () => {
	const sign = (key: string | Buffer, body: string) => createHmac('sha256', key).update(body).digest('hex')

	it('each settings object keeps its own config and secrets across repeated requests', () => {
		const rotated = makeSettings('hmac_sha256', ['old-secret', 'new-secret'], 'X-Signature')
		const prefixed = makeSettings('hmac_sha256', ['old-secret'], 'X-Signature', { prefix: 'v1=' })
		const base64Key = makeSettings('hmac_sha256', [Buffer.from('binary-key').toString('base64')], 'X-Signature', { key_encoding: 'base64' })
		for (let round = 0; round < 3; round++) {
			const body = `{"round":${round}}`
			const ok = (s: typeof rotated, header: string) => verifyRequest(makeRequest({ body, headers: { 'x-signature': header } }), s)
			expect(ok(rotated, sign('old-secret', body))).toBe(true)
			expect(ok(rotated, sign('new-secret', body))).toBe(true)
			expect(ok(rotated, sign('other', body))).toBe(false)
			// Same secret, other object: its own prefix rule applies.
			expect(ok(prefixed, sign('old-secret', body))).toBe(false)
			expect(ok(prefixed, `v1=${sign('old-secret', body)}`)).toBe(true)
			expect(ok(base64Key, sign(Buffer.from('binary-key'), body))).toBe(true)
			expect(ok(base64Key, sign(Buffer.from('binary-key').toString('base64'), body))).toBe(false)
		}
	})
})
