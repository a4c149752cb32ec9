/** E-mail, messaging, support, analytics and automation presets. */
import { type PresetCase, hmac, toHex } from './presets'
import { basicAuth, bodyHmac } from './signers'

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
	basicAuth('auth0', 'auth0:a0-Pa55-w0rd')
]
