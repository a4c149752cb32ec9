/** Payments and commerce presets. */
import { Webhook as StandardWebhook } from 'standardwebhooks'
import { type PresetCase, hmac, toHex } from './presets'
import { basicAuth, bodyHmac, standardWebhooks } from './signers'

export const PAYMENTS_CASES: PresetCase[] = [
	// Razorpay: X-Razorpay-Signature = hex HMAC-SHA256 of the raw body with the webhook secret.
	bodyHmac({
		slug: 'razorpay', header: 'X-Razorpay-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'rzp-webhook-secret', wrongSecret: 'rzp-webhook-secreT',
		extra: { 'X-Razorpay-Event-Id': 'Dkf6kLqk8eDEUF' }
	}),
	// Mollie next-gen: X-Mollie-Signature = hash_hmac('sha256', payload, secret), bare hex as in Mollie's PHP example.
	bodyHmac({ slug: 'mollie', header: 'X-Mollie-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'mollie_whsec_4Kd9sPq2', wrongSecret: 'mollie_whsec_4Kd9sPq3' }),
	// Lemon Squeezy: X-Signature = hex HMAC-SHA256 of the raw body with the signing secret.
	bodyHmac({
		slug: 'lemon-squeezy', header: 'X-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'ls-signing-secret', wrongSecret: 'ls-signing-secreT',
		extra: { 'X-Event-Name': 'order_created' }
	}),
	// Coinbase Commerce: X-CC-Webhook-Signature = hex HMAC-SHA256 of the raw body with the shared secret.
	bodyHmac({ slug: 'coinbase-commerce', header: 'X-CC-Webhook-Signature', hash: 'SHA-256', encoding: 'hex', secret: '5e8d3c1b-shared-secret', wrongSecret: '5e8d3c1b-shared-secreT' }),
	// WooCommerce: X-WC-Webhook-Signature = base64 HMAC-SHA256 of the payload with the webhook secret.
	bodyHmac({
		slug: 'woocommerce', header: 'X-WC-Webhook-Signature', hash: 'SHA-256', encoding: 'base64', secret: 'wc-webhook-secret', wrongSecret: 'wc-webhook-secreT',
		extra: { 'X-WC-Webhook-Topic': 'order.created', 'X-WC-Webhook-Delivery-ID': '6c2a0b1e', 'X-WC-Webhook-Source': 'https://shop.example.com/' }
	}),
	// Chargebee: Basic auth credentials configured on the webhook.
	basicAuth('chargebee', 'chargebee:cb-Pa55-w0rd'),
	// Brex: Webhook-Id / Webhook-Timestamp / Webhook-Signature over "{id}.{timestamp}.{body}", base64 secret without a prefix.
	standardWebhooks('brex', 'YnJleC13ZWJob29rLXNpZ25pbmcta2V5LTAx', 'YnJleC13ZWJob29rLXNpZ25pbmcta2V5LTAy', 'Webhook'),
	// Paystack: x-paystack-signature = hex HMAC-SHA512 of the body with the secret key.
	bodyHmac({ slug: 'paystack', header: 'x-paystack-signature', hash: 'SHA-512', encoding: 'hex', secret: 'sk_test_4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c', wrongSecret: 'sk_test_4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9d' }),
	// GoCardless: Webhook-Signature = hex HMAC-SHA256 of the body with the endpoint secret.
	bodyHmac({ slug: 'gocardless', header: 'Webhook-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'gc-endpoint-secret', wrongSecret: 'gc-endpoint-secreT' }),
	// Revolut: Revolut-Signature = v1=<hex HMAC-SHA256 of "v1.{timestamp}.{body}">, timestamp in ms; one entry per active secret.
	{
		slug: 'revolut', secret: 'wsk_r0tat3dS3cr3tV4lu3', wrongSecret: 'wsk_r0tat3dS3cr3tV4lu4', signatureHeader: 'Revolut-Signature', timestamped: true, bindsBody: true,
		async sign(body, secret, nowSec) {
			const ms = String(nowSec * 1000)
			const payload = `v1.${ms}.${body}`
			const previous = toHex(await hmac('SHA-256', `${secret}-previous`, payload))
			return { 'Revolut-Request-Timestamp': ms, 'Revolut-Signature': `v1=${previous},v1=${toHex(await hmac('SHA-256', secret, payload))}` }
		}
	},
	// Polar: Standard Webhooks, where Polar's SDK keys the HMAC with the secret's UTF-8 bytes
	// (it base64-encodes the secret before handing it to the standardwebhooks library, as done here).
	{
		slug: 'polar', secret: 'polar_whs_Xn3kT9qLw2VbR7mZ4pYc8sHd', wrongSecret: 'polar_whs_Xn3kT9qLw2VbR7mZ4pYc8sHe', signatureHeader: 'webhook-signature', timestamped: true, bindsBody: true,
		async sign(body, secret, nowSec) {
			const id = `msg_polar${nowSec}`
			const signature = new StandardWebhook(Buffer.from(secret, 'utf8').toString('base64')).sign(id, new Date(nowSec * 1000), body)
			return { 'webhook-id': id, 'webhook-timestamp': String(nowSec), 'webhook-signature': signature }
		}
	},
	// BigCommerce: a custom Authorization: Basic header registered on the hook.
	basicAuth('bigcommerce', 'bigcommerce:bc-Pa55-w0rd')
]
