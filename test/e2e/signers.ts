/**
 * Signs requests the way each provider does, for the end-to-end ingest tests:
 * the provider's official library where one is installed (stripe, octokit,
 * svix, standardwebhooks, twilio), node:crypto per signatures.md otherwise; WebCrypto for
 * the providers without an official library or vector (Linear, Intercom, Typeform), so their
 * signatures do not come from the same createHmac call as the verifier's.
 */
import { sign as octokitSign } from '@octokit/webhooks-methods'
import { createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto'
import { Webhook as StandardWebhook } from 'standardwebhooks'
import Stripe from 'stripe'
import { Webhook as SvixWebhook } from 'svix'
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks'
import { webCryptoHmac } from '../unit/verify/helpers'

const JSON_TYPE = 'application/json'
const FORM_TYPE = 'application/x-www-form-urlencoded'

/** One request ready to send: `headers` includes the content type and the signature. */
export interface SignedRequest {
	method: string
	/** Absolute URL to send to (the ingest URL, plus a query for some providers). */
	url: string
	contentType: string
	body: Uint8Array
	headers: Record<string, string>
	/** The header carrying the signature (or credentials); dropped for the "unsigned" attempt. */
	signatureHeader: string
}

export interface Provider {
	/** Template slug. */
	slug: string
	/** What the source stores as `verification_secret`. */
	secret: string
	/** False when the scheme authenticates the sender but does not bind the body (Postmark). */
	bindsBody: boolean
	/** Builds a genuine request to `ingestUrl` (`${server}/v1/ingest/<id>`). */
	sign(ingestUrl: string): Promise<SignedRequest>
}

const utf8 = (s: string) => new TextEncoder().encode(s)
const nowSeconds = () => Math.floor(Date.now() / 1000)
const hex = (algorithm: string, key: string, data: string) => createHmac(algorithm, key).update(data, 'utf8').digest('hex')
const b64 = (algorithm: string, key: string, data: string) => createHmac(algorithm, key).update(data, 'utf8').digest('base64')
const unique = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`
/** A Svix / Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export const newWhsec = () => `whsec_${randomBytes(24).toString('base64')}`

/** `Authorization: Basic …` for `user:password` credentials (given as a string or bytes). */
export const basicAuth = (credentials: string | Uint8Array) => `Basic ${Buffer.from(credentials).toString('base64')}`

/** The same bytes with exactly one byte changed (the middle one, low bit flipped). */
export function tamper(body: Uint8Array): Uint8Array {
	const bytes = Uint8Array.from(body)
	const at = Math.floor(bytes.length / 2)
	bytes[at] = (bytes[at] ?? 0) ^ 0x01
	return bytes
}

function request(url: string, contentType: string, body: string, signatureHeader: string, headers: Record<string, string>, method = 'POST'): SignedRequest {
	return { method, url, contentType, body: utf8(body), signatureHeader, headers: { 'content-type': contentType, ...headers } }
}

const jsonBody = (value: unknown) => JSON.stringify(value, null, 2)

/**
 * Under Bun `stripe` resolves to its worker build; `generateTestHeaderStringAsync`
 * with its default (SubtleCrypto) provider is the library's own signer there.
 */
const stripe = new Stripe('sk_test_e2e_dummy')

/** GitHub: octokit's `sign`, `sha256=<hex>` over the raw body. */
export async function signGithub(secret: string, url: string): Promise<SignedRequest> {
	const body = jsonBody({ action: 'opened', number: 7, repository: { full_name: 'acme/widgets' }, sender: { login: 'octocat' } })
	const delivery = crypto.randomUUID()
	return request(url, JSON_TYPE, body, 'X-Hub-Signature-256', {
		'X-Hub-Signature-256': await octokitSign(secret, body), 'X-GitHub-Event': 'pull_request', 'X-GitHub-Delivery': delivery
	})
}

function standardWebhooksRequest(url: string, family: 'svix' | 'webhook', sign: (id: string, at: Date, payload: string) => string, payload: string): SignedRequest {
	const id = unique('msg')
	const at = new Date(nowSeconds() * 1000)
	return request(url, JSON_TYPE, payload, `${family}-signature`, {
		[`${family}-id`]: id, [`${family}-timestamp`]: String(at.getTime() / 1000), [`${family}-signature`]: sign(id, at, payload)
	})
}

/** The 15 templates, each with a fresh secret and its provider's signing scheme. */
export function providers(): Provider[] {
	const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
	const sendgridPublic = sendgrid.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
	const clerk = newWhsec()
	const svix = newWhsec()
	const resend = newWhsec()
	return [
		{
			slug: 'stripe', secret: `whsec_${randomBytes(16).toString('hex')}`, bindsBody: true,
			async sign(url) {
				const body = jsonBody({ id: unique('evt'), object: 'event', type: 'payment_intent.succeeded', data: { object: { amount: 4200, currency: 'eur' } } })
				const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload: body, secret: this.secret, timestamp: nowSeconds() })
				return request(url, JSON_TYPE, body, 'Stripe-Signature', { 'Stripe-Signature': header })
			}
		},
		{ slug: 'github', secret: 'It\'s a Secret to Everybody', bindsBody: true, sign(url) { return signGithub(this.secret, url) } },
		{
			slug: 'shopify', secret: `shpss_${randomBytes(16).toString('hex')}`, bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ id: 820982911946154500, email: 'jon@example.com', total_price: '199.00', note: 'Grüße' })
				return request(url, JSON_TYPE, body, 'X-Shopify-Hmac-Sha256', {
					'X-Shopify-Hmac-Sha256': b64('sha256', this.secret, body), 'X-Shopify-Topic': 'orders/create', 'X-Shopify-Webhook-Id': crypto.randomUUID()
				})
			}
		},
		{
			slug: 'slack', secret: randomBytes(16).toString('hex'), bindsBody: true,
			async sign(url) {
				const body = new URLSearchParams({ token: 'xyzz0WbapA4vBCDEFasx0q6G', team_id: 'T1DC2JH3J', command: '/deploy', text: 'prod now & then', user_name: 'roadrunner' }).toString()
				const ts = String(nowSeconds())
				return request(url, FORM_TYPE, body, 'X-Slack-Signature', {
					'X-Slack-Signature': `v0=${hex('sha256', this.secret, `v0:${ts}:${body}`)}`, 'X-Slack-Request-Timestamp': ts
				})
			}
		},
		{
			slug: 'twilio', secret: randomBytes(16).toString('hex'), bindsBody: true,
			async sign(ingestUrl) {
				// Twilio signs the full URL it calls, query included, then the sorted form parameters.
				const url = `${ingestUrl}?account=acme&note=a%20b`
				const params = { MessageSid: unique('SM'), From: '+15551234567', To: '+15557654321', Body: 'Héllo wörld + 100% & more' }
				const signature = getExpectedTwilioSignature(this.secret, url, params)
				if (!validateRequest(this.secret, signature, url, params)) throw new Error('twilio helper disagrees with itself')
				const body = new URLSearchParams(params).toString()
				return request(url, FORM_TYPE, body, 'X-Twilio-Signature', { 'X-Twilio-Signature': signature, 'I-Twilio-Idempotency-Token': crypto.randomUUID() })
			}
		},
		{
			slug: 'sendgrid', secret: sendgridPublic, bindsBody: true,
			async sign(url) {
				const body = JSON.stringify([{ email: 'a@example.com', event: 'delivered', sg_event_id: unique('sg'), timestamp: nowSeconds() }])
				const ts = String(nowSeconds())
				const signature = cryptoSign('sha256', Buffer.concat([Buffer.from(ts), Buffer.from(body)]), sendgrid.privateKey).toString('base64')
				return request(url, JSON_TYPE, body, 'X-Twilio-Email-Event-Webhook-Signature', {
					'X-Twilio-Email-Event-Webhook-Signature': signature, 'X-Twilio-Email-Event-Webhook-Timestamp': ts
				})
			}
		},
		{
			slug: 'intercom', secret: randomBytes(16).toString('hex'), bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ type: 'notification_event', app_id: 'a86dr8yl', id: unique('notif'), topic: 'ping', data: { item: { type: 'ping' } } })
				return request(url, JSON_TYPE, body, 'X-Hub-Signature', { 'X-Hub-Signature': `sha1=${await webCryptoHmac('SHA-1', this.secret, body, 'hex')}` })
			}
		},
		{
			slug: 'linear', secret: `lin_wh_${randomBytes(16).toString('hex')}`, bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ action: 'create', type: 'Issue', data: { id: unique('issue'), title: 'Fix it' }, webhookTimestamp: Date.now() })
				return request(url, JSON_TYPE, body, 'Linear-Signature', {
					'Linear-Signature': await webCryptoHmac('SHA-256', this.secret, body, 'hex'), 'Linear-Delivery': crypto.randomUUID(), 'Linear-Event': 'Issue'
				})
			}
		},
		{
			slug: 'clerk', secret: clerk, bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ type: 'user.created', object: 'event', data: { id: unique('user') } })
				return standardWebhooksRequest(url, 'svix', (id, at, p) => new SvixWebhook(clerk).sign(id, at, p), body)
			}
		},
		{
			slug: 'svix', secret: svix, bindsBody: true,
			async sign(url) {
				// White-labelled Svix senders use the Standard Webhooks `webhook-*` headers.
				const body = JSON.stringify({ type: 'invoice.paid', data: { id: unique('inv') } })
				return standardWebhooksRequest(url, 'webhook', (id, at, p) => new StandardWebhook(svix).sign(id, at, p), body)
			}
		},
		{
			slug: 'paddle', secret: `pdl_ntfset_${randomBytes(12).toString('hex')}`, bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ event_id: unique('evt'), event_type: 'transaction.completed', data: { id: unique('txn') } })
				const ts = String(nowSeconds())
				return request(url, JSON_TYPE, body, 'Paddle-Signature', { 'Paddle-Signature': `ts=${ts};h1=${hex('sha256', this.secret, `${ts}:${body}`)}` })
			}
		},
		{
			slug: 'resend', secret: resend, bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ type: 'email.delivered', created_at: new Date().toISOString(), data: { email_id: unique('em') } })
				return standardWebhooksRequest(url, 'svix', (id, at, p) => new SvixWebhook(resend).sign(id, at, p), body)
			}
		},
		{
			slug: 'postmark', secret: 'postmark:s3cr3t-passw0rd', bindsBody: false,
			async sign(url) {
				const body = JSON.stringify({ RecordType: 'Delivery', MessageID: crypto.randomUUID(), Recipient: 'john@example.com' })
				return request(url, JSON_TYPE, body, 'Authorization', { Authorization: basicAuth(this.secret) })
			}
		},
		{
			slug: 'typeform', secret: randomBytes(16).toString('hex'), bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ event_id: unique('01H'), event_type: 'form_response', form_response: { form_id: 'lT4Z3j', answers: [] } })
				return request(url, JSON_TYPE, body, 'Typeform-Signature', { 'Typeform-Signature': `sha256=${await webCryptoHmac('SHA-256', this.secret, body, 'base64')}` })
			}
		},
		{
			slug: 'custom', secret: randomBytes(24).toString('base64'), bindsBody: true,
			async sign(url) {
				const body = JSON.stringify({ kind: 'custom.updated', id: unique('c'), text: 'emoji 🎉 and ünïcödé' })
				return request(url, JSON_TYPE, body, 'X-Signature', { 'X-Signature': hex('sha256', this.secret, body) }, 'PUT')
			}
		}
	]
}
