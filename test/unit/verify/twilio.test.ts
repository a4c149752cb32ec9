import { describe, expect, it } from 'bun:test'
import { getExpectedBodyHash, getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, tamper } from './helpers'
import { describeVector } from './vectors'

// signatures.md §6 (twilio-python test values; twilio-node uses the same algorithm).
const TOKEN = '12345'
const URL_HTTPS = 'https://mycompany.com/myapp.php?foo=1&bar=2'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const PARAMS = 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212'
const JSON_BODY = '{"property": "value", "boolean": true}'
const JSON_HASH = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620'

const vector = (sig: string, url = URL_HTTPS, body = PARAMS) =>
	({ type: 'twilio', secret: TOKEN, url, body, headers: { ...FORM, 'X-Twilio-Signature': sig } }) as const
const req = (sig: string, url = URL_HTTPS, body: string | Uint8Array = PARAMS, type = FORM['content-type']) =>
	makeRequest({ url, body, headers: { 'content-type': type, 'x-twilio-signature': sig } })
const settings = (secrets = [TOKEN]) => makeSettings('twilio', secrets, 'X-Twilio-Signature')

describe('Twilio vectors (signatures.md §6)', () => {
	describeVector('form POST', vector('RSOYDt4T1cUTdK1PDd93/VVr8B8='))
	describeVector('signed with :443, received without a port', vector('kvajT1Ptam85bY51eRf/AJRuM3w='))
	describeVector('signed with :443, received with it', vector('kvajT1Ptam85bY51eRf/AJRuM3w=', 'https://mycompany.com:443/myapp.php?foo=1&bar=2'))
	describeVector('http signed with :80, received without a port', vector('0ZXoZLH/DfblKGATFgpif+LLRf4=', 'http://mycompany.com/myapp.php?foo=1&bar=2'))
	describeVector('http with :1234', vector('Zmvh+3yNM1Phv2jhDCwEM3q5ebU=', 'http://mycompany.com:1234/myapp.php?foo=1&bar=2'))
	describeVector('duplicate parameter names', vector('IK+Dwps556ElfBT0I3Rgjkr1wJU=', URL_HTTPS, 'Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234'))
	describeVector('docs copy with +12349013030', vector('0/KCTR6DLpKmkAf8muzZqo1nDgQ=', URL_HTTPS, PARAMS.replaceAll('%2B14158675309', '%2B12349013030')))
	describeVector('docs copy with +14158675310', vector('GvWf1cFY/Q7PnoempGyD5oXAezc=', URL_HTTPS, PARAMS.replaceAll('%2B14158675309', '%2B14158675310')))
	describeVector('JSON body with bodySHA256', {
		type: 'twilio', secret: TOKEN, url: `${URL_HTTPS}&bodySHA256=${JSON_HASH}`, body: JSON_BODY,
		headers: { 'content-type': 'application/json', 'X-Twilio-Signature': 'a9nBmqA0ju/hNViExpshrM61xv4=' }
	})

	it('rejects a different URL (path, query, host or scheme)', () => {
		const sig = 'RSOYDt4T1cUTdK1PDd93/VVr8B8='
		expect(verifyRequest(req(sig, 'https://mycompany.com/myapp.php?foo=1&bar=3'), settings())).toBe(false)
		expect(verifyRequest(req(sig, 'https://mycompany.com/other.php?foo=1&bar=2'), settings())).toBe(false)
		expect(verifyRequest(req(sig, 'https://evil.example/myapp.php?foo=1&bar=2'), settings())).toBe(false)
		expect(verifyRequest(req(sig, 'http://mycompany.com/myapp.php?foo=1&bar=2'), settings())).toBe(false)
	})
	it('rejects an added parameter and the :80 signature on https', () => {
		expect(verifyRequest(req('RSOYDt4T1cUTdK1PDd93/VVr8B8=', URL_HTTPS, `${PARAMS}&Extra=1`), settings())).toBe(false)
		expect(verifyRequest(req('0ZXoZLH/DfblKGATFgpif+LLRf4='), settings())).toBe(false)
	})
	it('rejects a bodySHA256 that does not match the body, even with a valid URL signature', () => {
		const url = `${URL_HTTPS}&bodySHA256=${JSON_HASH}`
		const sig = 'a9nBmqA0ju/hNViExpshrM61xv4='
		expect(verifyRequest(req(sig, url, '{"property": "value", "boolean": false}', 'application/json'), settings())).toBe(false)
		expect(verifyRequest(req(sig, url, JSON_BODY, 'application/json'), settings())).toBe(true)
	})
	it('rejects a non-form body the signature does not cover', () => {
		const sig = getExpectedTwilioSignature(TOKEN, URL_HTTPS, {})
		expect(verifyRequest(req(sig, URL_HTTPS, '', 'application/json'), settings())).toBe(true)
		expect(verifyRequest(req(sig, URL_HTTPS, JSON_BODY, 'application/json'), settings())).toBe(false)
	})
	it('rejects missing or malformed signatures', () => {
		expect(verifyRequest(makeRequest({ url: URL_HTTPS, body: PARAMS, headers: FORM }), settings())).toBe(false)
		expect(verifyRequest(req('RSOYDt4T1cUTdK1PDd93/VVr8B8'), settings())).toBe(false)
		expect(verifyRequest(req('not base64'), settings())).toBe(false)
		expect(verifyRequest(req('RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'not a url'), settings())).toBe(false)
	})
})

describe('signed by the twilio library helpers', () => {
	const token = 'library_auth_token_0123456789ab'
	const url = "https://hooks.example.com/v1/ingest/src_1?tenant=a%20b&name=o'brien"
	const params = { MessageSid: 'SM123', Body: 'Héllo wörld + 100% & more', From: '+15551234567', MediaUrl: ['b', 'a', 'b'] }
	const body = () => {
		const form = new URLSearchParams()
		for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) form.append(k, one)
		return form.toString()
	}

	it('accepts getExpectedTwilioSignature output for a form POST', () => {
		const sig = getExpectedTwilioSignature(token, url, params)
		expect(validateRequest(token, sig, url, params)).toBe(true)
		expect(verifyRequest(req(sig, url, body()), settings([TOKEN, token]))).toBe(true)
		expect(verifyRequest(req(sig, url, tamper(body())), settings([token]))).toBe(false)
		expect(verifyRequest(req(sig, url, body()), settings([TOKEN]))).toBe(false)
	})
	it('accepts a signature over the :443 spelling of the URL', () => {
		const sig = getExpectedTwilioSignature(token, url.replace('.com/', '.com:443/'), params)
		expect(verifyRequest(req(sig, url, body()), settings([token]))).toBe(true)
	})
	it('accepts a signature over the new URL()-normalised spelling', () => {
		const sig = getExpectedTwilioSignature(token, new URL(url).toString(), params)
		expect(verifyRequest(req(sig, url, body()), settings([token]))).toBe(true)
	})
	it('accepts a bodySHA256 request built with getExpectedBodyHash', () => {
		const json = JSON.stringify({ event: 'status', sid: 'CA1' })
		const hashed = `${url}&bodySHA256=${getExpectedBodyHash(json)}`
		const sig = getExpectedTwilioSignature(token, hashed, {})
		expect(verifyRequest(req(sig, hashed, json, 'application/json'), settings([token]))).toBe(true)
		expect(verifyRequest(req(sig, hashed, tamper(json), 'application/json'), settings([token]))).toBe(false)
	})
})
