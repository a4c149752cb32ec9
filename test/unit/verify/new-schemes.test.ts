import { describe, expect, it } from 'bun:test'
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto'
import { verifyRequest } from '../../../src/verify'
import { parseRfc3339 } from '../../../src/verify/util'
import { makeRequest, makeSettings, sec } from './helpers'

/** Edge cases of the schemes added for issue 16; each signer is written here with node:crypto. */
const hex = (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex')
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

describe('header_token', () => {
	it('matches any configured token, honours a required prefix, and refuses look-alikes', () => {
		const ok = (value: string, config = {}) => verifyRequest(makeRequest({ headers: { 'x-gitlab-token': value } }), makeSettings('header_token', ['old-token', 'new-token'], 'X-Gitlab-Token', config))
		expect(ok('new-token')).toBe(true)
		expect(ok('old-token')).toBe(true)
		for (const bad of ['new-tokeN', 'new', 'new-token-and-more', '']) expect(ok(bad)).toBe(false)
		expect(ok('Bearer new-token', { prefix: 'Bearer ' })).toBe(true)
		expect(ok('new-token', { prefix: 'Bearer ' })).toBe(false)
		expect(ok('Bearer ', { prefix: 'Bearer ' })).toBe(false)
	})
})

describe('timestamped_hmac', () => {
	const body = '{"id":"evt_1"}'
	const now = sec(1_700_000_000)
	it('Recurly positional: any of several signatures for one timestamp (ms)', () => {
		const ts = String(now)
		const header = `${ts},${'0'.repeat(64)},${hex('recurly-key', `${ts}.${body}`)}`
		const settings = makeSettings('timestamped_hmac', ['recurly-key'], 'recurly-signature', { format: 'positional', timestamp_unit: 'ms' })
		expect(verifyRequest(makeRequest({ body, nowMs: now, headers: { 'recurly-signature': header } }), settings)).toBe(true)
		expect(verifyRequest(makeRequest({ body, nowMs: now + sec(301), headers: { 'recurly-signature': header } }), settings)).toBe(false)
	})
	it('Persona rotation: one group per secret, separated by a space', () => {
		const t = String(now / 1000)
		const header = `t=${t},v1=${hex('old', `${t}.${body}`)} t=${t},v1=${hex('new', `${t}.${body}`)}`
		const settings = (secret: string) => makeSettings('timestamped_hmac', [secret], 'persona-signature', { group_separator: ' ' })
		expect(verifyRequest(makeRequest({ body, nowMs: now, headers: { 'persona-signature': header } }), settings('new'))).toBe(true)
		expect(verifyRequest(makeRequest({ body, nowMs: now, headers: { 'persona-signature': header } }), settings('other'))).toBe(false)
	})
	it('refuses a duplicated t, a missing header setting and unknown option values', () => {
		const t = String(now / 1000)
		const good = `t=${t},v1=${hex('k', `${t}.${body}`)}`
		const req = (h: string) => makeRequest({ body, nowMs: now, headers: { sig: h } })
		expect(verifyRequest(req(good), makeSettings('timestamped_hmac', ['k'], 'sig'))).toBe(true)
		expect(verifyRequest(req(`t=${t},${good}`), makeSettings('timestamped_hmac', ['k'], 'sig'))).toBe(false)
		expect(verifyRequest(req(good), makeSettings('timestamped_hmac', ['k'], null))).toBe(false)
		for (const config of [{ format: 'xml' }, { timestamp_unit: 'us' }, { encoding: 'latin1' }, { only_age: 'yes' }, { pair_separator: 1 }]) {
			expect(verifyRequest(req(good), makeSettings('timestamped_hmac', ['k'], 'sig', config))).toBe(false)
		}
	})
})

describe('hmac extensions', () => {
	it('signs {method}{url}{body}{timestamp} (HubSpot v3) and binds the URL', () => {
		const url = 'https://hooks.example.com/v1/ingest/src_1?x=1'
		const ts = '1700000000000'
		const sig = createHmac('sha256', 's').update(`POST${url}{}${ts}`).digest('base64')
		const settings = makeSettings('hmac_sha256', ['s'], 'X-HubSpot-Signature-v3', { encoding: 'base64', signed_payload: '{method}{url}{body}{timestamp}', timestamp_header: 'X-HubSpot-Request-Timestamp', timestamp_unit: 'ms' })
		const req = (u: string) => makeRequest({ url: u, body: '{}', nowMs: 1_700_000_000_000, headers: { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts } })
		expect(verifyRequest(req(url), settings)).toBe(true)
		expect(verifyRequest(req(url.replace('x=1', 'x=2')), settings)).toBe(false)
	})
	it('reads a secondary signature header (Box) and RFC 3339 timestamps strictly', () => {
		const ts = '2024-01-12T10:20:30-08:00'
		const settings = makeSettings('hmac_sha256', ['primary', 'secondary'], 'box-signature-primary', { encoding: 'base64', signed_payload: '{body}{timestamp}', timestamp_header: 'box-delivery-timestamp', timestamp_format: 'rfc3339', secondary_header: 'box-signature-secondary', tolerance_seconds: 600 })
		const sig = createHmac('sha256', 'secondary').update(`{}${ts}`).digest('base64')
		const at = Date.parse(ts)
		expect(verifyRequest(makeRequest({ body: '{}', nowMs: at, headers: { 'box-delivery-timestamp': ts, 'box-signature-primary': 'AAAA', 'box-signature-secondary': sig } }), settings)).toBe(true)
		expect(verifyRequest(makeRequest({ body: '{}', nowMs: at + sec(601), headers: { 'box-delivery-timestamp': ts, 'box-signature-secondary': sig } }), settings)).toBe(false)
		for (const bad of ['2024-02-30T00:00:00Z', '2024-01-12', '1705083630', '2024-01-12T25:00:00Z']) expect(parseRfc3339(bad)).toBeNull()
		expect(parseRfc3339('2019-11-16T10:11:12.634234626Z')).toBe(Date.parse('2019-11-16T10:11:12.634Z'))
	})
	it('refuses a misspelt placeholder and an unknown timestamp format', () => {
		const req = makeRequest({ body: '{}', headers: { 'x-signature': hex('k', '{}') } })
		expect(verifyRequest(req, makeSettings('hmac_sha256', ['k'], null, { signed_payload: '{uri}{body}' }))).toBe(false)
		expect(verifyRequest(req, makeSettings('hmac_sha256', ['k'], null, { timestamp_format: 'iso' }))).toBe(false)
	})
})

describe('ed25519', () => {
	it('refuses keys that are not 32 bytes of hex and signatures that are not 64 bytes', () => {
		const { privateKey, publicKey } = generateKeyPairSync('ed25519')
		const pub = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('hex')
		const ts = '1700000000'
		const good = sign(null, Buffer.from(`${ts}{}`), privateKey).toString('hex')
		const req = (s: string) => makeRequest({ body: '{}', nowMs: sec(1_700_000_000), headers: { 'x-signature-ed25519': s, 'x-signature-timestamp': ts } })
		expect(verifyRequest(req(good), makeSettings('ed25519', [pub]))).toBe(true)
		expect(verifyRequest(req(good), makeSettings('ed25519', [pub.slice(2)]))).toBe(false)
		expect(verifyRequest(req(good.slice(2)), makeSettings('ed25519', [pub]))).toBe(false)
		expect(verifyRequest(req(good), makeSettings('ed25519', [`${pub}00`]))).toBe(false)
	})
})

describe('jwt', () => {
	const hs = (secret: string, header: Record<string, unknown>, claims: Record<string, unknown>) => {
		const input = `${b64url(header)}.${b64url(claims)}`
		return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
	}
	const req = (token: string, body = '{}') => makeRequest({ body, nowMs: sec(1_700_000_000), headers: { authorization: token } })
	it('binds the algorithm to the configuration: alg none and HS256-with-a-public-key are refused', () => {
		const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
		const jwk = JSON.stringify(publicKey.export({ format: 'jwk' }))
		const forged = hs(jwk, { alg: 'HS256' }, { iat: 1_700_000_000 })
		expect(verifyRequest(req(forged), makeSettings('jwt', [jwk], null, { algorithm: 'ES256' }))).toBe(false)
		const none = `${b64url({ alg: 'none' })}.${b64url({})}.`
		expect(verifyRequest(req(none), makeSettings('jwt', ['k']))).toBe(false)
	})
	it('checks issuer, body hash, exp and iat age', () => {
		const sha = createHash('sha256').update('{}').digest('hex')
		const settings = makeSettings('jwt', ['k'], null, { issuer: 'netlify', body_hash_claim: 'sha256', tolerance_seconds: 300 })
		expect(verifyRequest(req(hs('k', { alg: 'HS256' }, { iss: 'netlify', sha256: sha, iat: 1_700_000_000 })), settings)).toBe(true)
		expect(verifyRequest(req(hs('k', { alg: 'HS256' }, { iss: 'netlify', sha256: sha, iat: 1_700_000_000 }), '{ }'), settings)).toBe(false)
		expect(verifyRequest(req(hs('k', { alg: 'HS256' }, { iss: 'vercel', sha256: sha, iat: 1_700_000_000 })), settings)).toBe(false)
		expect(verifyRequest(req(hs('k', { alg: 'HS256' }, { iss: 'netlify', sha256: sha, iat: 1_699_999_000 })), settings)).toBe(false)
		expect(verifyRequest(req(hs('k', { alg: 'HS256' }, { iss: 'netlify', sha256: sha })), settings)).toBe(false)
		expect(verifyRequest(req(hs('k', { alg: 'HS256' }, { exp: 1_699_999_999 })), makeSettings('jwt', ['k']))).toBe(false)
		expect(verifyRequest(req(`Bearer ${hs('k', { alg: 'HS256' }, { exp: 1_700_000_060 })}`), makeSettings('jwt', ['k']))).toBe(true)
	})
})

describe('body-signed schemes', () => {
	it('mailgun: form posts too, but never with a repeated field', () => {
		const form = `timestamp=1700000000&token=tok&signature=${hex('key', '1700000000tok')}&event=delivered`
		const settings = makeSettings('mailgun', ['key'])
		const req = (body: string) => makeRequest({ body, nowMs: sec(1_700_000_000), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
		expect(verifyRequest(req(form), settings)).toBe(true)
		expect(verifyRequest(req(`${form}&token=other`), settings)).toBe(false)
	})
	it('graph_client_state: every notification in the batch must carry the secret', () => {
		const body = (states: string[]) => JSON.stringify({ value: states.map((clientState) => ({ clientState, changeType: 'created' })) })
		const settings = makeSettings('graph_client_state', ['s3cret'])
		expect(verifyRequest(makeRequest({ body: body(['s3cret', 's3cret']) }), settings)).toBe(true)
		expect(verifyRequest(makeRequest({ body: body(['s3cret', 'forged']) }), settings)).toBe(false)
		expect(verifyRequest(makeRequest({ body: body([]) }), settings)).toBe(false)
	})
	it('dropbox_sign: JSON and form bodies, event_hash over event_time + event_type', () => {
		const event = { event: { event_time: '1348177752', event_type: 'callback_test', event_hash: hex('api-key', '1348177752callback_test') } }
		const settings = makeSettings('dropbox_sign', ['api-key'])
		expect(verifyRequest(makeRequest({ body: JSON.stringify(event) }), settings)).toBe(true)
		const form = `json=${encodeURIComponent(JSON.stringify(event))}`
		expect(verifyRequest(makeRequest({ body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), settings)).toBe(true)
		expect(verifyRequest(makeRequest({ body: `${form}&json=%7B%7D`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }), settings)).toBe(false)
	})
	it('cloudinary: sha256 accounts, and only old timestamps are refused (as the SDKs do)', () => {
		const settings = makeSettings('cloudinary', ['api-secret'], null, { algorithm: 'sha256' })
		const sig = createHash('sha256').update('{}1700000000api-secret').digest('hex')
		const req = (nowMs: number) => makeRequest({ body: '{}', nowMs, headers: { 'x-cld-signature': sig, 'x-cld-timestamp': '1700000000' } })
		expect(verifyRequest(req(sec(1_700_000_000 + 7200)), settings)).toBe(true)
		expect(verifyRequest(req(sec(1_700_000_000 + 7201)), settings)).toBe(false)
		expect(verifyRequest(req(sec(1_700_000_000 - 60)), settings)).toBe(true)
	})
})
