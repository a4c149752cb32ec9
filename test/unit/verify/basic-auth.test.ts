import { describe, expect, it } from 'bun:test'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings } from './helpers'

// signatures.md §14: https://postmark:s3cr3t-passw0rd@example.com/webhook. The header was
// re-checked with coreutils: printf '%s' 'postmark:s3cr3t-passw0rd' | base64
const SECRET = 'postmark:s3cr3t-passw0rd'
const AUTH = 'Basic cG9zdG1hcms6czNjcjN0LXBhc3N3MHJk'
const BODY = '{"RecordType":"Delivery","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483"}'

const req = (authorization?: string) => makeRequest({ body: BODY, headers: authorization === undefined ? {} : { authorization } })
const settings = (secrets = [SECRET], header: string | null = null) => makeSettings('basic_auth', secrets, header)

describe('Basic auth (Postmark, signatures.md §14)', () => {
	it('accepts the signatures.md vector', () => {
		expect(verifyRequest(req(AUTH), settings())).toBe(true)
	})
	it('accepts an independently encoded UTF-8 password with colons (printf | base64)', () => {
		// printf '%s' 'hooks:pä55:word' | base64: only the first colon separates user and password.
		const header = 'Basic aG9va3M6cMOkNTU6d29yZA=='
		expect(verifyRequest(req(header), settings(['hooks:pä55:word']))).toBe(true)
		expect(verifyRequest(req(header), settings(['hooks:pa55:word']))).toBe(false)
	})
	it('rejects a wrong password or user', () => {
		expect(verifyRequest(req(AUTH), settings(['postmark:s3cr3t-passw0rD']))).toBe(false)
		expect(verifyRequest(req(AUTH), settings(['postmar:s3cr3t-passw0rd']))).toBe(false)
	})
	it('accepts when any one of several credentials matches', () => {
		expect(verifyRequest(req(AUTH), settings(['old:password', SECRET]))).toBe(true)
	})
	it('does not bind the body: a changed body still passes (documented limitation)', () => {
		expect(verifyRequest(makeRequest({ body: `${BODY} `, headers: { Authorization: AUTH } }), settings())).toBe(true)
	})
	it('accepts the scheme name in any case', () => {
		expect(verifyRequest(req(AUTH.replace('Basic', 'bASIC')), settings())).toBe(true)
	})
	it('rejects missing, non-Basic, malformed or colon-less credentials', () => {
		expect(verifyRequest(req(), settings())).toBe(false)
		expect(verifyRequest(req(AUTH.replace('Basic', 'Bearer')), settings())).toBe(false)
		expect(verifyRequest(req('Basic'), settings())).toBe(false)
		expect(verifyRequest(req('Basic !!!'), settings())).toBe(false)
		const noColon = `Basic ${Buffer.from('postmarks3cr3t').toString('base64')}`
		expect(verifyRequest(req(noColon), settings(['postmarks3cr3t']))).toBe(false)
		expect(verifyRequest(req(AUTH), settings(['']))).toBe(false)
	})
	it('reads a configured header', () => {
		const r = makeRequest({ body: BODY, headers: { 'x-proxy-authorization': AUTH } })
		expect(verifyRequest(r, settings([SECRET], 'X-Proxy-Authorization'))).toBe(true)
		expect(verifyRequest(r, settings())).toBe(false)
	})
})

