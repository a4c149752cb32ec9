import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { webCryptoHmac } from '../unit/verify/helpers'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

/** What a destination's auth and signing settings put on the wire, and what the attempt records. */
let h: Harness
let rx: Receiver
beforeAll(async () => {
	h = await startHarness()
	rx = new Receiver()
})
afterAll(async () => {
	await h.close()
	await rx.stop()
})

type Attempt = { status: string; request_headers: string; response_body: string | null }

/** Sends one event through a fresh pipeline; returns the request the receiver got and the recorded attempt. */
async function deliverOnce(name: string, destination: Record<string, unknown>, body = '{"order":1}') {
	const { sourceId } = await pipeline(h, name, { url: `${rx.url}/${name}`, ...destination })
	const before = rx.received.length
	const eventId = await h.send(sourceId, body)
	const req = (await rx.waitFor(before + 1)).slice(before).find((r) => r.path === `/${name}`)
	if (!req) throw new Error(`no request reached /${name}`)
	const attempt = await h.until(async () => {
		const list = (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts
		return list[0]
	})
	return { req, attempt, recorded: JSON.parse(attempt.request_headers) as Record<string, string>, eventId }
}

describe('outbound auth on the wire, masked in the record', () => {
	it('basic: Authorization is Basic base64(user:password)', async () => {
		const { req, recorded, attempt } = await deliverOnce('basic', { auth_type: 'basic', auth_config: { username: 'hook-user', password: 'pa55:wörd-secret' } })
		// printf '%s' 'hook-user:pa55:wörd-secret' | base64 (UTF-8 bytes, independent of the code's btoa)
		expect(req.headers.authorization).toBe('Basic aG9vay11c2VyOnBhNTU6d8O2cmQtc2VjcmV0')
		expect(Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString('utf8')).toBe('hook-user:pa55:wörd-secret')
		expect(attempt.status).toBe('success')
		expect(recorded.authorization).toMatch(/^\*{4}/)
		expect(attempt.request_headers).not.toContain('pa55')
		expect(attempt.request_headers).not.toContain('aG9vay11c2Vy')
		// Past Latin-1 too (btoa would throw and the attempt would never be recorded).
		const wide = await deliverOnce('basic-wide', { auth_type: 'basic', auth_config: { username: 'u', password: '✓-check-pass' } })
		expect(Buffer.from((wide.req.headers.authorization ?? '').slice(6), 'base64').toString('utf8')).toBe('u:✓-check-pass')
	})

	it('api_key: the key in the configured header (and X-API-Key by default)', async () => {
		const named = await deliverOnce('apikey', { auth_type: 'api_key', auth_config: { header: 'X-Partner-Key', key: 'pk_live_0123456789abcdef' } })
		expect(named.req.headers['x-partner-key']).toBe('pk_live_0123456789abcdef')
		expect(named.req.headers.authorization).toBeUndefined()
		expect(named.recorded['x-partner-key']).toBe('****cdef')
		expect(named.attempt.request_headers).not.toContain('0123456789')
		const fallback = await deliverOnce('apikey-default', { auth_type: 'api_key', auth_config: { key: 'k_default_secret_value' } })
		expect(fallback.req.headers['x-api-key']).toBe('k_default_secret_value')
		expect(fallback.attempt.request_headers).not.toContain('k_default_secret')
	})

	it('custom: every configured header is sent and every one is masked', async () => {
		const { req, recorded, attempt } = await deliverOnce('custom', {
			headers: { 'X-Plain': 'visible' },
			auth_type: 'custom', auth_config: { headers: { 'X-Tenant-Token': 'tenant-secret-token-1', 'X-Signature-Key': 'sigkey-secret-2' } }
		})
		expect(req.headers).toMatchObject({ 'x-tenant-token': 'tenant-secret-token-1', 'x-signature-key': 'sigkey-secret-2', 'x-plain': 'visible' })
		expect(recorded['x-plain']).toBe('visible') // not a credential: recorded as sent
		expect(recorded['x-tenant-token']).toBe('****en-1')
		expect(recorded['x-signature-key']).toBe('****et-2')
		expect(attempt.request_headers).not.toContain('tenant-secret')
		expect(attempt.request_headers).not.toContain('sigkey-secret')
	})
})

describe('outbound signing variants', () => {
	it('without a timestamp: HMAC-SHA256 over the body alone, no timestamp header of its own', async () => {
		const body = '{"order":2,"note":"ünïcode"}'
		const { req, recorded } = await deliverOnce('sign-nots', { signing_config: { secret: 'no-ts-secret', header: 'X-Sig' } }, body)
		expect(req.headers['x-sig']).toBe(`sha256=${await webCryptoHmac('SHA-256', 'no-ts-secret', body, 'hex')}`)
		// Only the contract's ISO timestamp is sent, never a unix one for the signature.
		expect(req.headers['x-hookstream-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT/)
		expect(recorded['x-sig']).toBe(req.headers['x-sig'])
	})

	it('sha1 with a timestamp: prefix sha1=, signed string {unix}.{body}', async () => {
		const body = '{"order":3}'
		const { req } = await deliverOnce('sign-sha1', { signing_config: { secret: 'sha1-secret', algorithm: 'sha1', include_timestamp: true, timestamp_header: 'X-Sig-Time' } }, body)
		const ts = req.headers['x-sig-time'] ?? ''
		expect(ts).toMatch(/^\d{10}$/)
		expect(req.headers['x-hookstream-signature']).toBe(`sha1=${await webCryptoHmac('SHA-1', 'sha1-secret', `${ts}.${body}`, 'hex')}`)
	})

	it('a literal vector: sha1 over the body with an empty prefix', async () => {
		// printf '%s' '{"fixed":true}' | openssl dgst -sha1 -hmac fixed-secret
		const { req } = await deliverOnce('sign-literal', { signing_config: { secret: 'fixed-secret', algorithm: 'sha1', prefix: '' } }, '{"fixed":true}')
		expect(req.headers['x-hookstream-signature']).toBe('6827adcb47cb0de424fc42ac52ad644439961772')
	})
})

describe('recorded response body', () => {
	it('keeps the first 10 KB (10,240 bytes) of a large answer', async () => {
		const big = `${'a'.repeat(10_000)}${'b'.repeat(240)}${'c'.repeat(40_000)}`
		const local = new Receiver().otherwise({ status: 200, body: big })
		try {
			const { sourceId } = await pipeline(h, 'bigreply', { url: local.url })
			const eventId = await h.send(sourceId, '{}')
			const attempt = await h.until(async () => (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts[0])
			expect(attempt.status).toBe('success')
			expect(attempt.response_body).toBe(big.slice(0, 10_240))
		} finally {
			await local.stop()
		}
	})

	it('records one value per response header: repeated ones joined, the last of several Set-Cookie', async () => {
		const answer = new Headers([['Set-Cookie', 'a=1'], ['X-Repeat', 'one'], ['set-cookie', 'b=2'], ['x-repeat', 'two'], ['Content-Type', 'text/plain']])
		const local = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('ok', { headers: answer }) })
		try {
			const { sourceId } = await pipeline(h, 'replyheaders', { url: `http://127.0.0.1:${local.port}/` })
			const eventId = await h.send(sourceId, '{}')
			const attempt = await h.until(async () => (await h.api<{ delivery_attempts: (Attempt & { response_headers: string })[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts[0])
			expect(attempt.response_body).toBe('ok')
			expect(JSON.parse(attempt.response_headers)).toMatchObject({ 'set-cookie': 'b=2', 'x-repeat': 'one, two', 'content-type': 'text/plain', 'content-length': '2' })
		} finally {
			await local.stop(true)
		}
	})
})
