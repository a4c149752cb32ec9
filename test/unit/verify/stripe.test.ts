import { describe, expect, it } from 'bun:test'
import { createHash, createHmac } from 'node:crypto'
import Stripe from 'stripe'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, sec, tamper } from './helpers'
import { describeVector } from './vectors'

// signatures.md §2 (computed with stripe-node's algorithm from its test-suite secret and payload).
const T = 1492774577
const SECRET = 'whsec_test_secret'
const OLD_SECRET = 'whsec_old_secret'
const PRETTY = JSON.stringify({ id: 'evt_test_webhook', object: 'event' }, null, 2)
const COMPACT = '{"id":"evt_test_webhook","object":"event"}'
const V1_COMPACT = '88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a'
const V1_COMPACT_OLD = 'aed64a3c4c277a17c2a83b486f08da11442d772bc6e44361371cabce6d56f8af'
const ROLL_HEADER = `t=${T},v1=${V1_COMPACT_OLD},v1=${V1_COMPACT}`

const vector = { type: 'stripe', secret: SECRET, nowMs: sec(T), header: 'Stripe-Signature' } as const
const settings = (secrets: string[] = [SECRET], config: Record<string, unknown> = {}) =>
	makeSettings('stripe', secrets, 'Stripe-Signature', config)
const req = (header: string, nowMs = sec(T), body: string | Uint8Array = COMPACT) =>
	makeRequest({ headers: { 'stripe-signature': header }, body, nowMs })

describe('Stripe vectors (signatures.md §2)', () => {
	describeVector('pretty-printed payload', {
		...vector, body: PRETTY,
		headers: { 'Stripe-Signature': `t=${T},v1=c2f890decbc5ede7c5060bb9a6d31e0626a4342bacb9aeae2adb1bcea72f9812` }
	})
	describeVector('compact payload', { ...vector, body: COMPACT, headers: { 'Stripe-Signature': `t=${T},v1=${V1_COMPACT}` } })
	describeVector('compact payload, old secret', {
		...vector, secret: OLD_SECRET, body: COMPACT, headers: { 'Stripe-Signature': `t=${T},v1=${V1_COMPACT_OLD}` }
	})

	it('verifies request after request with one settings object (its keyed hashers are copied, never consumed)', () => {
		const shared = settings([OLD_SECRET, SECRET])
		for (let i = 0; i < 3; i++) {
			expect(verifyRequest(req(`t=${T},v1=${V1_COMPACT}`), shared)).toBe(true)
			expect(verifyRequest(req(`t=${T},v1=${V1_COMPACT_OLD}`), shared)).toBe(true)
			expect(verifyRequest(req(`t=${T},v1=${V1_COMPACT}`, sec(T), `${COMPACT} `), shared)).toBe(false)
			expect(verifyRequest(req(`t=${T},v1=${V1_COMPACT.toUpperCase()}`), shared)).toBe(true)
		}
	})

	it('accepts a rolling header under either secret', () => {
		expect(verifyRequest(req(ROLL_HEADER), settings([SECRET]))).toBe(true)
		expect(verifyRequest(req(ROLL_HEADER), settings([OLD_SECRET]))).toBe(true)
		expect(verifyRequest(req(ROLL_HEADER), settings(['whsec_unrelated']))).toBe(false)
	})
	it('accepts a header with at least one valid v1 (stripe-node appends v1=potato)', () => {
		expect(verifyRequest(req(`t=${T},v1=${V1_COMPACT},v1=potato`), settings())).toBe(true)
		expect(verifyRequest(req(`t=${T},v0=${'0'.repeat(64)},v1=${V1_COMPACT}`), settings())).toBe(true)
	})
	it('rejects headers without t, without v1, or with v0 only', () => {
		expect(verifyRequest(req(`v1=${V1_COMPACT}`), settings())).toBe(false)
		expect(verifyRequest(req(`t=${T}`), settings())).toBe(false)
		expect(verifyRequest(req(`t=${T},v0=${V1_COMPACT}`), settings())).toBe(false)
		expect(verifyRequest(req(''), settings())).toBe(false)
		expect(verifyRequest(makeRequest({ body: COMPACT, nowMs: sec(T) }), settings())).toBe(false)
	})
	it('rejects a non-numeric, duplicated or shifted t', () => {
		expect(verifyRequest(req(`t=${T}x,v1=${V1_COMPACT}`), settings())).toBe(false)
		expect(verifyRequest(req(`t=${T},t=${T},v1=${V1_COMPACT}`), settings())).toBe(false)
		expect(verifyRequest(req(`t=${T + 1},v1=${V1_COMPACT}`, sec(T + 1)), settings())).toBe(false)
	})
	it('rejects events older than 300 s but not newer ones (stripe-node checks age only)', () => {
		const header = `t=${T},v1=${V1_COMPACT}`
		expect(verifyRequest(req(header, sec(T + 300)), settings())).toBe(true)
		expect(verifyRequest(req(header, sec(T + 301)), settings())).toBe(false)
		expect(verifyRequest(req(header, sec(T - 3600)), settings())).toBe(true)
	})
	it('honours tolerance_seconds', () => {
		const header = `t=${T},v1=${V1_COMPACT}`
		expect(verifyRequest(req(header, sec(T + 11)), settings([SECRET], { tolerance_seconds: 10 }))).toBe(false)
		expect(verifyRequest(req(header, sec(T + 86400)), settings([SECRET], { tolerance_seconds: 0 }))).toBe(true)
		expect(verifyRequest(req(header), settings([SECRET], { tolerance_seconds: 'soon' }))).toBe(false)
	})
	it('uses the whole whsec_ string as the key, not its base64 decoding', () => {
		expect(verifyRequest(req(`t=${T},v1=${V1_COMPACT}`), settings(['test_secret']))).toBe(false)
	})
})

/**
 * Under Bun, `stripe` resolves to its worker build, whose default SubtleCrypto
 * provider is async-only and which refuses `createNodeCryptoProvider()`. The
 * synchronous `generateTestHeaderString` therefore gets a provider that does
 * what stripe-node's NodeCryptoProvider does (hex HMAC-SHA256).
 */
const nodeCryptoProvider = {
	computeHMACSignature: (payload: string, secret: string) => createHmac('sha256', secret).update(payload, 'utf8').digest('hex'),
	computeHMACSignatureAsync: async (payload: string, secret: string) => createHmac('sha256', secret).update(payload, 'utf8').digest('hex'),
	computeSHA256Async: async (data: Uint8Array) => new Uint8Array(createHash('sha256').update(data).digest())
}

describe('signed by the stripe library', () => {
	const stripe = new Stripe('sk_test_dummy')
	const secret = 'whsec_library_generated_secret'
	const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded' }, null, 2)
	const now = Math.floor(Date.now() / 1000)

	it('accepts generateTestHeaderString (node crypto provider)', () => {
		const header = stripe.webhooks.generateTestHeaderString({
			payload, secret, timestamp: now, cryptoProvider: nodeCryptoProvider
		})
		expect(verifyRequest(req(header, sec(now), payload), settings([secret]))).toBe(true)
		expect(verifyRequest(req(header, sec(now), tamper(payload)), settings([secret]))).toBe(false)
		expect(verifyRequest(req(header, sec(now), payload), settings(['whsec_other']))).toBe(false)
		expect(verifyRequest(req(header, sec(now + 301), payload), settings([secret]))).toBe(false)
	})
	it('accepts generateTestHeaderStringAsync (the default provider under Bun)', async () => {
		const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret, timestamp: now })
		expect(verifyRequest(req(header, sec(now), payload), settings(['whsec_old', secret]))).toBe(true)
		expect(verifyRequest(req(header, sec(now), tamper(payload)), settings([secret]))).toBe(false)
	})
	it('agrees with stripe.webhooks.constructEventAsync on the spec vector', async () => {
		const header = `t=${T},v1=${V1_COMPACT}`
		const event = await stripe.webhooks.constructEventAsync(COMPACT, header, SECRET, 0)
		expect(event.id).toBe('evt_test_webhook')
	})
})
