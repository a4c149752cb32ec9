import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import type { RemoteGet } from '../../src/ingest/remote'
import { type Harness, startHarness } from './harness'

/**
 * Plaid through a real server with a fake Plaid API injected as the
 * transport: keys are fetched by the JWT's kid with the source's client id
 * and secret, cached, fetched anew for a rotated kid, and refused when Plaid
 * has expired them. JWTs are signed here as Plaid documents (ES256, iat,
 * request_body_sha256), not by src/.
 */
interface Key {
	jwk: Record<string, unknown>
	privateKey: KeyObject
}
function newKey(kid: string, expiredAt: number | null = null): Key {
	const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
	return { jwk: { ...publicKey.export({ format: 'jwk' }), alg: 'ES256', kid, use: 'sig', created_at: 1560466143, expired_at: expiredAt }, privateKey }
}
const keys = new Map<string, Key>([['kid-a', newKey('kid-a')], ['kid-b', newKey('kid-b')], ['kid-old', newKey('kid-old', 1_600_000_000)]])
const calls: { url: string; body: unknown }[] = []

const fakePlaid: RemoteGet = async (url, json) => {
	calls.push({ url: url.href, body: json })
	const req = json as { client_id?: string; secret?: string; key_id?: string }
	const key = keys.get(req.key_id ?? '')
	if (req.client_id !== 'client-1' || req.secret !== 'plaid-api-secret' || !key) throw new Error('400 INVALID_INPUT')
	return JSON.stringify({ key: key.jwk, request_id: 'req-1' })
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
function plaidJwt(kid: string, body: string, iat = Math.floor(Date.now() / 1000)): string {
	const input = `${b64url({ alg: 'ES256', kid, typ: 'JWT' })}.${b64url({ iat, request_body_sha256: createHash('sha256').update(body).digest('hex') })}`
	const key = keys.get(kid) ?? newKey(kid)
	return `${input}.${sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`
}

let h: Harness
let id: string
beforeAll(async () => {
	// sandbox.plaid.com does not resolve here: a public documentation address stands in for it.
	h = await startHarness({}, { remoteGet: fakePlaid, resolve: async () => ['203.0.113.10'] })
	const res = await h.api<{ source: { id: string } }>('POST', '/v1/sources', {
		name: 'plaid', slug: 'plaid', template: 'plaid', verification_secret: 'plaid-api-secret', verification_config: { plaid_client_id: 'client-1', plaid_environment: 'sandbox' }
	})
	expect(res.status).toBe(201)
	id = res.body.source.id
})
afterAll(() => h.close())

const body = '{"webhook_type":"TRANSACTIONS","webhook_code":"SYNC_UPDATES_AVAILABLE","item_id":"wz666MBjYWTp2PDzzggYhM6oWWmBb"}'
const send = (jwt: string, b = body) => fetch(`${h.url}/v1/ingest/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'plaid-verification': jwt }, body: b })

describe('Plaid verification keys', () => {
	it('fetches the key named by kid once, with the client id and secret, then serves it from the cache', async () => {
		calls.length = 0
		expect((await send(plaidJwt('kid-a', body))).status).toBe(200)
		expect((await send(plaidJwt('kid-a', body))).status).toBe(200)
		expect(calls).toEqual([{ url: 'https://sandbox.plaid.com/webhook_verification_key/get', body: { client_id: 'client-1', secret: 'plaid-api-secret', key_id: 'kid-a' } }])
	})

	it('follows a rotation: a new kid is fetched on first sight', async () => {
		calls.length = 0
		expect((await send(plaidJwt('kid-b', body))).status).toBe(200)
		expect(calls.map((c) => (c.body as { key_id: string }).key_id)).toEqual(['kid-b'])
	})

	it('refuses an unknown kid (remembering the failure), an expired key, a tampered body and a stale iat', async () => {
		calls.length = 0
		expect((await send(plaidJwt('kid-unknown', body))).status).toBe(401)
		expect((await send(plaidJwt('kid-unknown', body))).status).toBe(401)
		expect(calls).toHaveLength(1)
		expect((await send(plaidJwt('kid-old', body))).status).toBe(401)
		expect((await send(plaidJwt('kid-a', body), body.replace('SYNC', 'SYNK'))).status).toBe(401)
		expect((await send(plaidJwt('kid-a', body, Math.floor(Date.now() / 1000) - 400))).status).toBe(401)
	})
})
