import { describe, expect, it } from 'bun:test'
import { Webhook as SvixWebhook } from 'svix'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { checkTemplate, getTemplate, listTemplates } from '../../src/templates'
import { TEMPLATE_CATEGORIES, type Template } from '../../src/templates/model'
import { hasVerifier, verifyRequest } from '../../src/verify'
import type { VerifyRequest } from '../../src/verify/types'
import { makeRequest, tamper } from './verify/helpers'
import { SCHEME_REUSE_PRESETS } from './templates/slugs'

const SLUGS = [
	'clerk', 'custom', 'github', 'intercom', 'linear', 'paddle', 'postmark', 'resend',
	'sendgrid', 'shopify', 'slack', 'stripe', 'svix', 'twilio', 'typeform'
]

function template(slug: string): Template {
	const t = getTemplate(slug)
	if (!t) throw new Error(`missing template ${slug}`)
	return t
}

function verifyWith(slug: string, req: VerifyRequest, secret: string): boolean {
	const t = template(slug)
	if (t.verification_type === null || !hasVerifier(t.verification_type)) return false
	return verifyRequest(req, { type: t.verification_type, secrets: [secret], header: t.verification_header, config: { ...t.verification_config } })
}

describe('template catalogue', () => {
	it('keeps the 15 original templates in a catalogue of at least 45, sorted by slug', () => {
		const slugs = listTemplates().map((t) => t.slug)
		for (const slug of SLUGS) expect(slugs).toContain(slug)
		expect(slugs.length).toBe(109)
		for (const slug of SCHEME_REUSE_PRESETS) expect(slugs).toContain(slug)
		expect(slugs).toEqual([...slugs].sort())
	})
	it('finds each by slug and nothing else', () => {
		for (const slug of SLUGS) expect(getTemplate(slug)?.slug).toBe(slug)
		expect(getTemplate('paypal')).toBeUndefined()
		expect(getTemplate('')).toBeUndefined()
	})
	it('gives every template a registered verifier, a header (unless the signature is in the body), and an https docs URL', () => {
		const bodySigned = ['mailgun', 'dropbox_sign', 'graph_client_state', 'aws_sns']
		for (const t of listTemplates()) {
			expect(t.verification_type !== null && hasVerifier(t.verification_type)).toBe(true)
			if (bodySigned.includes(t.verification_type ?? '')) {
				expect(t.verification_header).toBeNull()
				continue
			}
			expect(t.verification_header).not.toBeNull()
			expect(t.headers.map((h) => h.toLowerCase())).toContain((t.verification_header ?? '').toLowerCase())
			expect(t.docs_url.startsWith('https://')).toBe(true)
		}
	})
	it('gives every template a known category and a sample event in the provider\'s own body format', () => {
		const templates = listTemplates()
		expect(templates.length).toBeGreaterThan(0)
		for (const t of templates) {
			expect(TEMPLATE_CATEGORIES as readonly string[]).toContain(t.category)
			expect(t.sample_event === null || t.sample_event === undefined).toBe(false)
			// Form-encoded senders (Twilio) carry their sample as the raw string; everyone else as JSON.
			if (typeof t.sample_event === 'string') expect(new URLSearchParams(t.sample_event).size).toBeGreaterThan(0)
			else expect(typeof t.sample_event).toBe('object')
		}
		expect(template('twilio').sample_event).toBeTypeOf('string')
	})
	it('refuses a template without a category or with an unknown one', () => {
		const { category: _, ...rest } = template('github')
		expect(() => checkTemplate('github', rest)).toThrow(/category/)
		expect(() => checkTemplate('github', { ...template('github'), category: 'shoes' })).toThrow(/category/)
	})
	it('keeps the advertised tolerance equal to the configured one', () => {
		for (const t of listTemplates()) {
			const configured = t.verification_config.tolerance_seconds
			if (configured !== undefined) expect(configured).toBe(t.timestamp_tolerance_seconds)
		}
	})
	it('uses the scheme each provider really signs with', () => {
		expect(template('sendgrid').verification_type).toBe('sendgrid_ecdsa')
		expect(template('postmark').verification_type).toBe('basic_auth')
		expect(template('custom').verification_type).toBe('hmac_sha256')
		expect(template('github').verification_config).toEqual({ encoding: 'hex', prefix: 'sha256=' })
	})
	it('hands out copies of the list and frozen templates', () => {
		const list = listTemplates()
		const length = list.length
		list.pop()
		expect(listTemplates()).toHaveLength(length)
		expect(Object.isFrozen(template('stripe'))).toBe(true)
		expect(Object.isFrozen(template('stripe').verification_config)).toBe(true)
	})
	it('rejects invalid template data with the file and path in the message', () => {
		const good = { ...template('github') }
		expect(() => checkTemplate('github', { ...good, verification_type: 'hmac_md5' })).toThrow(/github\.json.*\/verification_type/)
		expect(() => checkTemplate('github', { ...good, docs_url: 3 })).toThrow(/github\.json.*\/docs_url/)
		expect(() => checkTemplate('github', { ...good, extra: true })).toThrow(/github\.json/)
		expect(() => checkTemplate('gitlab', good)).toThrow(/gitlab\.json.*\/slug/)
		expect(checkTemplate('github', good).slug).toBe('github')
	})
})

interface Signed {
	secret: string
	request: (body?: string | Uint8Array) => VerifyRequest
	body: string
}

const NOW = 1_760_000_000
const nowDate = new Date(NOW * 1000)

/** One request per template, signed per that provider's scheme (library where one exists, else the spec vector). */
const SIGNERS: Record<string, () => Promise<Signed>> = {
	async stripe() {
		const secret = 'whsec_template_test'
		const body = JSON.stringify({ id: 'evt_1', object: 'event' })
		const header = await new Stripe('sk_test_dummy').webhooks.generateTestHeaderStringAsync({ payload: body, secret, timestamp: NOW })
		return { secret, body, request: (b = body) => makeRequest({ headers: { 'Stripe-Signature': header }, body: b, nowMs: NOW * 1000 }) }
	},
	async github() {
		const secret = 'gh-secret'
		const body = '{"zen":"Keep it logically awesome."}'
		const headers = { 'X-Hub-Signature-256': await octokitSign(secret, body), 'X-GitHub-Delivery': 'd-1' }
		return { secret, body, request: (b = body) => makeRequest({ headers, body: b }) }
	},
	async shopify() {
		const body = '{"foo": "bar"}'
		const headers = { 'X-Shopify-Hmac-Sha256': 'B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g=' }
		return { secret: 'test_secret_key', body, request: (b = body) => makeRequest({ headers, body: b }) }
	},
	async slack() {
		const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
		const headers = { 'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503', 'X-Slack-Request-Timestamp': '1531420618' }
		return { secret: '8f742231b10e8888abcd99yyyzzz85a5', body, request: (b = body) => makeRequest({ headers, body: b, nowMs: 1531420618_000 }) }
	},
	async twilio() {
		const body = 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212'
		const headers = { 'X-Twilio-Signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', 'content-type': 'application/x-www-form-urlencoded' }
		return { secret: '12345', body, request: (b = body) => makeRequest({ url: 'https://mycompany.com/myapp.php?foo=1&bar=2', headers, body: b }) }
	},
	async sendgrid() {
		const body = '{"category":"example_payload","event":"test_event","message_id":"message_id"}'
		const headers = {
			'X-Twilio-Email-Event-Webhook-Signature': 'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=',
			'X-Twilio-Email-Event-Webhook-Timestamp': '1588788367'
		}
		const secret = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=='
		return { secret, body, request: (b = body) => makeRequest({ headers, body: b, nowMs: 1588788367_000 }) }
	},
	async intercom() {
		const body = '{"type":"notification_event","app_id":"a86dr8yl","id":"notif_78c122d0-23ba-11e4-9464-79b01267cc2e","topic":"ping","data":{"type":"notification_event_data","item":{"type":"ping","message":"something"}}}'
		const headers = { 'X-Hub-Signature': 'sha1=94407685d332aebad9197de340f842738b280a27' }
		return { secret: 'intercom_test_client_secret', body, request: (b = body) => makeRequest({ headers, body: b }) }
	},
	async linear() {
		const body = '{"action":"create","type":"Issue","data":{"id":"issue_1"},"webhookTimestamp":1700000000000}'
		const headers = { 'Linear-Signature': 'd892348e4c12c27790b3ff7242e919789284bb61507a646357e5f9a7d1dfa287' }
		return { secret: 'lin_wh_test_secret', body, request: (b = body) => makeRequest({ headers, body: b, nowMs: 1700000000000 }) }
	},
	async clerk() {
		return svixSigned('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', (s, id, body) => new SvixWebhook(s).sign(id, nowDate, body))
	},
	async svix() {
		return svixSigned('whsec_c2Vjb25kLWtleS1mb3Itcm90YXRpb24tdGVzdA==', (s, id, body) => new SvixWebhook(s).sign(id, nowDate, body))
	},
	async resend() {
		// resend-node signs and verifies through standardwebhooks but sends svix-* headers.
		return svixSigned('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', (s, id, body) => new StandardWebhook(s).sign(id, nowDate, body))
	},
	async paddle() {
		const body = '{"data": ["1", "2"]}'
		const headers = { 'Paddle-Signature': 'ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9' }
		return { secret: 'VALID_SECRET', body, request: (b = body) => makeRequest({ headers, body: b, nowMs: 1698796800_000 }) }
	},
	async postmark() {
		const body = '{"RecordType":"Delivery","MessageID":"m-1"}'
		const headers = { Authorization: 'Basic cG9zdG1hcms6czNjcjN0LXBhc3N3MHJk' }
		return { secret: 'postmark:s3cr3t-passw0rd', body, request: (b = body) => makeRequest({ headers, body: b }) }
	},
	async typeform() {
		const body = '{"event_id":"01HXYZTESTEVENT","event_type":"form_response","form_response":{"form_id":"lT4Z3j"}}'
		const headers = { 'Typeform-Signature': 'sha256=YTsaoWONl9dwVRcqtrkMWUGF6a5DqoOLT0rMEHC/1CU=' }
		return { secret: 'abc123', body, request: (b = body) => makeRequest({ headers, body: b }) }
	},
	async custom() {
		const body = 'what do ya want for nothing?'
		const headers = { 'X-Signature': '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' }
		return { secret: 'Jefe', body, request: (b = body) => makeRequest({ headers, body: b }) }
	}
}

function svixSigned(secret: string, signer: (secret: string, id: string, body: string) => string): Signed {
	const body = JSON.stringify({ type: 'user.created', data: { id: 'user_1' } })
	const headers = { 'svix-id': 'msg_tpl_1', 'svix-timestamp': String(NOW), 'svix-signature': signer(secret, 'msg_tpl_1', body) }
	return { secret, body, request: (b = body) => makeRequest({ headers, body: b, nowMs: NOW * 1000 }) }
}

describe('each template verifies its provider end to end', () => {
	it('has a signer for every template', () => {
		expect(Object.keys(SIGNERS).sort()).toEqual(SLUGS)
	})
	for (const slug of SLUGS) {
		it(`${slug}: accepts a correctly signed request`, async () => {
			const signed = await SIGNERS[slug]!()
			expect(verifyWith(slug, signed.request(), signed.secret)).toBe(true)
		})
		it(`${slug}: rejects a wrong secret${slug === 'postmark' ? '' : ' and a tampered body'}`, async () => {
			const signed = await SIGNERS[slug]!()
			expect(verifyWith(slug, signed.request(), `${signed.secret}x`)).toBe(false)
			// Basic auth does not cover the body (Postmark signs nothing), so only the secret can fail it.
			if (slug !== 'postmark') expect(verifyWith(slug, signed.request(tamper(signed.body)), signed.secret)).toBe(false)
		})
	}
})
