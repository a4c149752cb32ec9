import { describe, expect, it } from 'bun:test'
import { sign } from '@octokit/webhooks-methods'
import { verifyRequest } from '../../../src/verify'
import { makeRequest, makeSettings, tamper, webCryptoHmac } from './helpers'
import { describeVector } from './vectors'

const github = { type: 'hmac_sha256', header: 'X-Hub-Signature-256', config: { encoding: 'hex', prefix: 'sha256=' } } as const

describe('GitHub (signatures.md §3)', () => {
	describeVector('official docs vector', {
		...github, secret: "It's a Secret to Everybody", body: 'Hello, World!',
		headers: { 'X-Hub-Signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' }
	})
	describeVector('legacy X-Hub-Signature (sha1)', {
		type: 'hmac_sha1', header: 'X-Hub-Signature', config: { encoding: 'hex', prefix: 'sha1=' },
		secret: "It's a Secret to Everybody", body: 'Hello, World!',
		headers: { 'X-Hub-Signature': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59' }
	})
	describeVector('octokit sign.test.ts vector', {
		...github, secret: 'mysecret', body: '{"foo":"bar"}',
		headers: { 'x-hub-signature-256': 'sha256=4864d2759938a15468b5df9ade20bf161da9b4f737ea61794142f3484236bda3' }
	})
	describeVector('octokit verify.test.ts vector (pretty-printed)', {
		...github, secret: 'mysecret', body: '{\n  "foo": "bar"\n}\n',
		headers: { 'x-hub-signature-256': 'sha256=e3eccac34c43c7dc1cbb905488b1b81347fcc700a7b025697a9d07862256023f' }
	})

	describe('signed by @octokit/webhooks-methods', () => {
		const secret = 'octokit-rotation-secret'
		const payload = JSON.stringify({ action: 'opened', number: 42, repository: { full_name: 'acme/widgets' } }, null, 2)
		const settings = (secrets: string[]) => makeSettings('hmac_sha256', secrets, github.header, github.config)

		it('accepts the library signature', async () => {
			const headers = { 'X-Hub-Signature-256': await sign(secret, payload) }
			expect(verifyRequest(makeRequest({ headers, body: payload }), settings([secret]))).toBe(true)
			expect(verifyRequest(makeRequest({ headers, body: payload }), settings(['old', secret]))).toBe(true)
		})
		it('rejects it for a tampered body or another secret', async () => {
			const headers = { 'X-Hub-Signature-256': await sign(secret, payload) }
			expect(verifyRequest(makeRequest({ headers, body: tamper(payload) }), settings([secret]))).toBe(false)
			expect(verifyRequest(makeRequest({ headers, body: payload }), settings(['other']))).toBe(false)
		})
		it('rejects it without the sha256= prefix', async () => {
			const headers = { 'X-Hub-Signature-256': (await sign(secret, payload)).slice('sha256='.length) }
			expect(verifyRequest(makeRequest({ headers, body: payload }), settings([secret]))).toBe(false)
		})
	})
})

describe('Shopify (signatures.md §4)', () => {
	describeVector('shopify-api-js vector', {
		type: 'hmac_sha256', header: 'X-Shopify-Hmac-Sha256', config: { encoding: 'base64' },
		secret: 'test_secret_key', body: '{"foo": "bar"}',
		headers: { 'X-Shopify-Hmac-SHA256': 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=' }
	})
})

// Intercom and Typeform publish no vector with its secret. The signatures.md vectors were
// re-checked, and the second vector of each produced, with openssl rather than node:crypto:
//   printf '%s' "$body" | openssl dgst -sha1 -hmac "$secret"
//   printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64
describe('Intercom (signatures.md §8)', () => {
	describeVector('signatures.md vector (openssl-checked)', {
		type: 'hmac_sha1', header: 'X-Hub-Signature', config: { encoding: 'hex', prefix: 'sha1=' },
		secret: 'intercom_test_client_secret',
		body: '{"type":"notification_event","app_id":"a86dr8yl","id":"notif_78c122d0-23ba-11e4-9464-79b01267cc2e","topic":"ping","data":{"type":"notification_event_data","item":{"type":"ping","message":"something"}}}',
		headers: { 'X-Hub-Signature': 'sha1=94407685d332aebad9197de340f842738b280a27' }
	})
	describeVector('independent openssl vector', {
		type: 'hmac_sha1', header: 'X-Hub-Signature', config: { encoding: 'hex', prefix: 'sha1=' },
		secret: 'ic_cs_4e1d77b0',
		body: '{"type":"notification_event","topic":"conversation.user.created","id":"notif_1b2c","data":{"item":{"type":"conversation","id":"147"}}}',
		headers: { 'X-Hub-Signature': 'sha1=673a82cabc05524e908e3c06a562f80e7cdff010' }
	})
	it('accepts a WebCrypto-signed body', async () => {
		const body = '{"type":"notification_event","topic":"ping"}'
		const headers = { 'X-Hub-Signature': `sha1=${await webCryptoHmac('SHA-1', 'ic_secret', body, 'hex')}` }
		expect(verifyRequest(makeRequest({ headers, body }), makeSettings('hmac_sha1', ['ic_secret'], 'X-Hub-Signature', { encoding: 'hex', prefix: 'sha1=' }))).toBe(true)
	})
})

describe('Typeform (signatures.md §15)', () => {
	const typeform = {
		type: 'hmac_sha256', header: 'Typeform-Signature', config: { encoding: 'base64', prefix: 'sha256=' },
		secret: 'abc123',
		body: '{"event_id":"01HXYZTESTEVENT","event_type":"form_response","form_response":{"form_id":"lT4Z3j"}}',
		headers: { 'Typeform-Signature': 'sha256=YTsaoWONl9dwVRcqtrkMWUGF6a5DqoOLT0rMEHC/1CU=' }
	} as const
	describeVector('signatures.md vector (openssl-checked)', typeform)
	describeVector('independent openssl vector (UTF-8 body)', {
		...typeform, secret: 'tf_secret_ZQ83',
		body: '{"event_id":"01J0TYPEFORMEVT","event_type":"form_response","form_response":{"form_id":"Ab12Cd","answers":[{"type":"text","text":"été"}]}}',
		headers: { 'Typeform-Signature': 'sha256=pf0iw8FFz3Xk6+4UMYuQ7N8IoxtHik2XHiFkCeyGM1M=' }
	})
	it('accepts a WebCrypto-signed body (base64 through btoa)', async () => {
		const body = '{"event_id":"01J0WEB","event_type":"form_response"}'
		const headers = { 'Typeform-Signature': `sha256=${await webCryptoHmac('SHA-256', 'abc123', body, 'base64')}` }
		expect(verifyRequest(makeRequest({ headers, body }), makeSettings('hmac_sha256', ['abc123'], typeform.header, typeform.config))).toBe(true)
	})
	it('rejects the base64 digest without its prefix', () => {
		const headers = { 'Typeform-Signature': 'YTsaoWONl9dwVRcqtrkMWUGF6a5DqoOLT0rMEHC/1CU=' }
		const s = makeSettings('hmac_sha256', [typeform.secret], typeform.header, typeform.config)
		expect(verifyRequest(makeRequest({ headers, body: typeform.body }), s)).toBe(false)
	})
})
