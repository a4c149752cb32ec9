import { describe, expect, it } from 'bun:test'
import { createPrivateKey, generateKeyPairSync, sign as edSign } from 'node:crypto'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { Webhook as SvixWebhook } from 'svix'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, sec, tamper } from './helpers'
import { describeVector } from './vectors'

// signatures.md §10 and §16 (official svix / standard-webhooks values).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const SECOND = 'whsec_c2Vjb25kLWtleS1mb3Itcm90YXRpb24tdGVzdA=='
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek'
const TS = 1614265330
const BODY = '{"test": 2432232314}'
const V1 = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
const V1_SECOND = 'v1,5Rw7k+RQ1a1ilBLOf99l6ljx836ZPRE7yX3Wjr2mVrk='
const V1A = 'v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag=='
const PUBLIC_KEY = 'whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g='
const SEED = 'whsk_VEVTVFNJR05JTkdLRVlET05PVFVTRVRISVNGT1JBTlk='
const OTHER_PUBLIC_KEY = `whpk_${generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')}`

const triple = (family: string, sig: string, id = ID, ts = String(TS)) => ({
	[`${family}-id`]: id, [`${family}-timestamp`]: ts, [`${family}-signature`]: sig
})
const req = (headers: Record<string, string>, nowMs = sec(TS), body: string | Uint8Array = BODY) => makeRequest({ headers, body, nowMs })
const settings = (secrets: string[], config: Record<string, unknown> = {}, header: string | null = null) =>
	makeSettings('standard_webhooks', secrets, header, config)
const base = { type: 'standard_webhooks', secret: SECRET, body: BODY, nowMs: sec(TS) } as const

describe('Standard Webhooks / Svix vectors (signatures.md §10, §16)', () => {
	describeVector('v1 with webhook-* headers', { ...base, headers: triple('webhook', V1) })
	describeVector('v1 with svix-* headers (Svix, Clerk, Resend)', { ...base, headers: triple('svix', V1) })
	describeVector('rotation header under the first secret', { ...base, headers: triple('svix', `${V1_SECOND} ${V1}`) })
	describeVector('rotation header under the second secret', { ...base, secret: SECOND, headers: triple('svix', `${V1_SECOND} ${V1}`) })
	describeVector('v1a Ed25519 with a whpk_ public key', {
		...base, secret: PUBLIC_KEY, wrongSecret: OTHER_PUBLIC_KEY, headers: triple('webhook', V1A)
	})
	describeVector('v1a Ed25519 with a whsk_ seed', { ...base, secret: SEED, wrongSecret: OTHER_PUBLIC_KEY, headers: triple('webhook', V1A) })

	it('accepts the bare base64 secret without whsec_', () => {
		expect(verifyRequest(req(triple('svix', V1)), settings([SECRET.slice(6)]))).toBe(true)
	})
	it('skips decoy entries (another key, other versions) and accepts mixed v1/v1a headers', () => {
		const decoys = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc='
		expect(verifyRequest(req(triple('svix', `${decoys} ${V1}`)), settings([SECRET]))).toBe(true)
		expect(verifyRequest(req(triple('svix', decoys)), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(triple('webhook', `${V1} ${V1A}`)), settings([PUBLIC_KEY]))).toBe(true)
		expect(verifyRequest(req(triple('webhook', `v1,${V1A.slice(4)}`)), settings([PUBLIC_KEY]))).toBe(false)
	})
	it('does not let a v1a signature pass against an HMAC secret, nor v1 against a public key', () => {
		expect(verifyRequest(req(triple('webhook', V1A)), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(triple('webhook', V1)), settings([PUBLIC_KEY]))).toBe(false)
	})
	it('enforces ±300 s in both directions, and tolerance_seconds', () => {
		const h = triple('svix', V1)
		expect(verifyRequest(req(h, sec(TS + 300)), settings([SECRET]))).toBe(true)
		expect(verifyRequest(req(h, sec(TS - 300)), settings([SECRET]))).toBe(true)
		expect(verifyRequest(req(h, sec(TS + 301)), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(h, sec(TS - 301)), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(h, sec(TS + 3000)), settings([SECRET], { tolerance_seconds: 3600 }))).toBe(true)
	})
	it('rejects a changed id or timestamp, a missing header, or a non-integer timestamp', () => {
		expect(verifyRequest(req(triple('svix', V1, 'msg_other')), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(triple('svix', V1, ID, String(TS + 1))), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(triple('svix', V1, ID, `${TS}.5`)), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req({ 'svix-id': ID, 'svix-signature': V1 }), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(triple('svix', 'v1,not-base64!')), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(triple('svix', 'g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')), settings([SECRET]))).toBe(false)
	})
	it('reads a custom header family named by settings.header', () => {
		const h = triple('acme-webhook', V1)
		expect(verifyRequest(req(h), settings([SECRET], {}, 'Acme-Webhook-Signature'))).toBe(true)
		expect(verifyRequest(req(h), settings([SECRET]))).toBe(false)
	})
	it('rejects malformed keys instead of throwing', () => {
		expect(verifyRequest(req(triple('webhook', V1A)), settings(['whpk_', 'whpk_!!!', 'whsk_AAAA', 'whsec_%%%']))).toBe(false)
	})
})

describe('signed by the standardwebhooks library', () => {
	const payload = JSON.stringify({ type: 'user.created', data: { id: 'user_1' } })
	const now = new Date(sec(1_760_000_000))
	const headersFor = (family: string, sig: string) => triple(family, sig, 'msg_lib_1', String(now.getTime() / 1000))

	it('accepts Webhook.sign output and rejects tampering', () => {
		const sig = new StandardWebhook(SECRET).sign('msg_lib_1', now, payload)
		const h = headersFor('webhook', sig)
		expect(verifyRequest(req(h, now.getTime(), payload), settings([SECOND, SECRET]))).toBe(true)
		expect(verifyRequest(req(h, now.getTime(), tamper(payload)), settings([SECRET]))).toBe(false)
		expect(verifyRequest(req(h, now.getTime(), payload), settings([SECOND]))).toBe(false)
		expect(verifyRequest(req(h, now.getTime() + sec(301), payload), settings([SECRET]))).toBe(false)
	})
	it('accepts a raw-format key given as the UTF-8 secret', () => {
		const raw = 'a-raw-key-with-at-least-24-bytes!'
		const sig = new StandardWebhook(new TextEncoder().encode(raw), { format: 'raw' }).sign('msg_lib_1', now, payload)
		expect(verifyRequest(req(headersFor('webhook', sig), now.getTime(), payload), settings([raw]))).toBe(true)
	})
})

describe('signed by the svix library', () => {
	const payload = JSON.stringify({ type: 'email.delivered', data: { email_id: 'em_1' } })
	const now = new Date(sec(1_760_000_000))

	it('accepts Webhook.sign output under svix-* headers and rejects tampering', () => {
		const sig = new SvixWebhook(SECOND).sign('msg_svix_1', now, payload)
		const h = triple('svix', sig, 'msg_svix_1', String(now.getTime() / 1000))
		expect(verifyRequest(req(h, now.getTime(), payload), settings([SECRET, SECOND]))).toBe(true)
		expect(verifyRequest(req(h, now.getTime(), tamper(payload)), settings([SECOND]))).toBe(false)
		expect(verifyRequest(req(h, now.getTime(), payload), settings([SECRET]))).toBe(false)
	})
})

describe('v1a signed with a freshly generated Ed25519 key', () => {
	it('accepts the signature and rejects tampering', () => {
		const { privateKey, publicKey } = generateKeyPairSync('ed25519')
		const whpk = `whpk_${publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64')}`
		const signed = Buffer.from(`msg_ed_1.${TS}.${BODY}`)
		const h = triple('webhook', `v1a,${edSign(null, signed, privateKey).toString('base64')}`, 'msg_ed_1')
		expect(verifyRequest(req(h), settings([whpk]))).toBe(true)
		expect(verifyRequest(req(h, sec(TS), tamper(BODY)), settings([whpk]))).toBe(false)
	})
	it('reproduces the official v1a signature from the whsk_ seed', () => {
		const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(SEED.slice(5), 'base64')])
		const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })
		expect(edSign(null, Buffer.from(`${ID}.${TS}.${BODY}`), key).toString('base64')).toBe(V1A.slice(4))
	})
})
