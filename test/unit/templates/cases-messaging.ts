/** E-mail, messaging, support, analytics and automation presets. */
import { type PresetCase, hmac, toHex } from './presets'
import { basicAuth, bodyHmac, standardWebhooks } from './signers'

export const MESSAGING_CASES: PresetCase[] = [
	// Customer.io: X-CIO-Signature = hex HMAC-SHA256 of "v0:" + X-CIO-Timestamp + ":" + body, keyed with the signing key.
	{
		slug: 'customer-io', secret: 'cio-signing-key-7f3a', wrongSecret: 'cio-signing-key-7f3b', signatureHeader: 'X-CIO-Signature', timestamped: true, bindsBody: true,
		async sign(body, secret, nowSec) {
			const ts = String(nowSec)
			return { 'X-CIO-Timestamp': ts, 'X-CIO-Signature': toHex(await hmac('SHA-256', secret, `v0:${ts}:${body}`)) }
		}
	},
	// Front rule webhooks: X-Front-Signature = base64 HMAC-SHA1 of the body with the API secret.
	bodyHmac({ slug: 'front', header: 'X-Front-Signature', hash: 'SHA-1', encoding: 'base64', secret: 'front-api-secret', wrongSecret: 'front-api-secreT' }),
	// Segment Webhooks destination: X-Signature = hex HMAC-SHA1 of the body with the shared secret.
	bodyHmac({ slug: 'segment', header: 'X-Signature', hash: 'SHA-1', encoding: 'hex', secret: 'segment-shared-secret', wrongSecret: 'segment-shared-secreT' }),
	basicAuth('sparkpost', 'sparkpost:sp-Pa55-w0rd', { 'X-MessageSystems-Batch-ID': '77ecde18-3c4e-11e8-a4c5-2b2f5b6e1d9a' }),
	basicAuth('brevo', 'brevo:br-Pa55-w0rd'),
	basicAuth('freshdesk', 'freshdesk:fd-Pa55-w0rd'),
	basicAuth('zapier', 'zapier:zp-Pa55-w0rd'),
	basicAuth('datadog', 'datadog:dd-Pa55-w0rd'),
	basicAuth('auth0', 'auth0:a0-Pa55-w0rd'),
	// MailerSend: Signature = hex HMAC-SHA256 of the body with the webhook signing secret.
	bodyHmac({ slug: 'mailersend', header: 'Signature', hash: 'SHA-256', encoding: 'hex', secret: 'ms-signing-secret-0123', wrongSecret: 'ms-signing-secret-0124' }),
	// Help Scout: X-HelpScout-Signature = base64 HMAC-SHA1 of the body with the secret key.
	bodyHmac({
		slug: 'help-scout', header: 'X-HelpScout-Signature', hash: 'SHA-1', encoding: 'base64', secret: 'helpscout-secret-key', wrongSecret: 'helpscout-secret-keY',
		extra: { 'X-HelpScout-Event': 'convo.created' }
	}),
	// Pusher Channels: X-Pusher-Signature = hex HMAC-SHA256 of the body with the app secret.
	bodyHmac({
		slug: 'pusher', header: 'X-Pusher-Signature', hash: 'SHA-256', encoding: 'hex', secret: '7ad3773142a6692b25b8', wrongSecret: '7ad3773142a6692b25b9',
		extra: { 'X-Pusher-Key': '278d425bdf160c739803' }
	}),
	basicAuth('mailjet', 'mailjet:mj-Pa55-w0rd'),
	// Make event subscriptions: Standard Webhooks 1.0 with Webhook-* headers.
	standardWebhooks('make', 'whsec_bWFrZS1zdWJzY3JpcHRpb24tc2lnbmluZy1rZXk=', 'whsec_bWFrZS1zdWJzY3JpcHRpb24tc2lnbmluZy1rZXg=', 'Webhook')
]
