/** Productivity, scheduling, e-signature, content and identity presets. */
import { type PresetCase, hmac, toHex } from './presets'
import { basicAuth, bodyHmac, standardWebhooks } from './signers'

/** Airtable hands out `macSecretBase64`; the MAC key is its decoded bytes. */
const AIRTABLE_SECRET = Buffer.from('airtable-mac-secret-32-bytes-ok!').toString('base64')
const AIRTABLE_WRONG = Buffer.from('airtable-mac-secret-32-bytes-ok?').toString('base64')

export const WORKSPACE_CASES: PresetCase[] = [
	// Cal.com: X-Cal-Signature-256 = hex HMAC-SHA256 of the body with the webhook secret.
	bodyHmac({ slug: 'cal-com', header: 'X-Cal-Signature-256', hash: 'SHA-256', encoding: 'hex', secret: 'cal-webhook-secret', wrongSecret: 'cal-webhook-secreT' }),
	// DocuSign Connect HMAC: X-DocuSign-Signature-1 = base64 HMAC-SHA256 of the body with Connect key 1.
	bodyHmac({ slug: 'docusign', header: 'X-DocuSign-Signature-1', hash: 'SHA-256', encoding: 'base64', secret: 'W4rCg6mqbsbB7l+Za0x7ofv9dV8mLG2zYkGx0xMDsQk=', wrongSecret: 'W4rCg6mqbsbB7l+Za0x7ofv9dV8mLG2zYkGx0xMDsQj=' }),
	// Jira Cloud admin webhooks: X-Hub-Signature = sha256=<hex HMAC-SHA256 of the body>.
	bodyHmac({
		slug: 'jira', header: 'X-Hub-Signature', hash: 'SHA-256', encoding: 'hex', prefix: 'sha256=', secret: 'jira-webhook-secret', wrongSecret: 'jira-webhook-secreT',
		extra: { 'X-Atlassian-Webhook-Identifier': '1715680123456-42' }
	}),
	// Airtable: X-Airtable-Content-MAC = "hmac-sha256=" + hex HMAC-SHA256 of the body, keyed with base64-decoded macSecretBase64.
	bodyHmac({
		slug: 'airtable', header: 'X-Airtable-Content-MAC', hash: 'SHA-256', encoding: 'hex', prefix: 'hmac-sha256=', secret: AIRTABLE_SECRET, wrongSecret: AIRTABLE_WRONG,
		key: (s) => Uint8Array.from(Buffer.from(s, 'base64'))
	}),
	// ClickUp: X-Signature = hex HMAC-SHA256 of the body with the webhook secret.
	bodyHmac({ slug: 'clickup', header: 'X-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'O1WY5ISLC8IXN56F6Q3AJ2P3QIDW7LJJ', wrongSecret: 'O1WY5ISLC8IXN56F6Q3AJ2P3QIDW7LJK' }),
	// Notion: X-Notion-Signature = "sha256=" + hex HMAC-SHA256 of the body with the verification_token.
	bodyHmac({ slug: 'notion', header: 'X-Notion-Signature', hash: 'SHA-256', encoding: 'hex', prefix: 'sha256=', secret: 'secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl', wrongSecret: 'secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBm' }),
	// Webflow: x-webflow-signature = hex HMAC-SHA256 of "{timestamp}:{body}", timestamp in milliseconds.
	{
		slug: 'webflow', secret: 'webflow-client-secret', wrongSecret: 'webflow-client-secreT', signatureHeader: 'x-webflow-signature', timestamped: true, bindsBody: true,
		async sign(body, secret, nowSec) {
			const ms = String(nowSec * 1000)
			return { 'x-webflow-timestamp': ms, 'x-webflow-signature': toHex(await hmac('SHA-256', secret, `${ms}:${body}`)) }
		}
	} satisfies PresetCase,
	// Onfido: X-SHA2-Signature = hex HMAC-SHA256 of the body with the webhook token.
	bodyHmac({ slug: 'onfido', header: 'X-SHA2-Signature', hash: 'SHA-256', encoding: 'hex', secret: '_ABC123abc123ABC123abc123ABC123_', wrongSecret: '_ABC123abc123ABC123abc123ABC123-' }),
	// Checkr: X-Checkr-Signature = hex HMAC-SHA256 of the body with the API key.
	bodyHmac({ slug: 'checkr', header: 'X-Checkr-Signature', hash: 'SHA-256', encoding: 'hex', secret: '83ebeabdec09f6670863766f792ead24d61fe3f9', wrongSecret: '83ebeabdec09f6670863766f792ead24d61fe3f8' }),
	// Stytch delivers through Svix: svix-* headers, signed here with Svix's own library.
	standardWebhooks('stytch', 'whsec_c3R5dGNoLXN2aXgtc2lnbmluZy1zZWNyZXQ=', 'whsec_c3R5dGNoLXN2aXgtc2lnbmluZy1zZWNyZXg=', 'svix'),
	// Todoist: X-Todoist-Hmac-SHA256 = base64 HMAC-SHA256 of the body with the client secret.
	bodyHmac({
		slug: 'todoist', header: 'X-Todoist-Hmac-SHA256', hash: 'SHA-256', encoding: 'base64', secret: 'todoist-client-secret', wrongSecret: 'todoist-client-secreT',
		extra: { 'X-Todoist-Delivery-ID': '3c1f2e4d-5a6b-4c7d-8e9f-0a1b2c3d4e5f' }
	}),
	// Tally: Tally-Signature = base64 HMAC-SHA256 of the body with the signing secret.
	bodyHmac({ slug: 'tally', header: 'Tally-Signature', hash: 'SHA-256', encoding: 'base64', secret: 'tally-signing-secret', wrongSecret: 'tally-signing-secreT' }),
	// Shortcut: Payload-Signature = hex HMAC-SHA256 of the body with the webhook secret.
	bodyHmac({ slug: 'shortcut', header: 'Payload-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'shortcut-webhook-secret', wrongSecret: 'shortcut-webhook-secreT' }),
	// Storyblok: webhook-signature = hex HMAC-SHA1 of the body with the webhook secret.
	bodyHmac({ slug: 'storyblok', header: 'webhook-signature', hash: 'SHA-1', encoding: 'hex', secret: 'storyblok-webhook-secret', wrongSecret: 'storyblok-webhook-secreT' }),
	// Veriff: X-HMAC-SIGNATURE = hex HMAC-SHA256 of the body with the shared secret.
	bodyHmac({
		slug: 'veriff', header: 'X-HMAC-SIGNATURE', hash: 'SHA-256', encoding: 'hex', secret: 'abcdef12-3456-7890-abcd-ef1234567890', wrongSecret: 'abcdef12-3456-7890-abcd-ef1234567891',
		extra: { 'X-AUTH-CLIENT': '8e4f7cd8-7a19-4d7d-971f-a076407ee03c' }
	}),
	// Frame.io: X-Frameio-Signature = v0=<hex HMAC-SHA256 of "v0:{timestamp}:{body}">, timestamp in seconds.
	{
		slug: 'frame-io', secret: 'frameio-signing-secret', wrongSecret: 'frameio-signing-secreT', signatureHeader: 'X-Frameio-Signature', timestamped: true, bindsBody: true,
		async sign(body, secret, nowSec) {
			const ts = String(nowSec)
			return { 'X-Frameio-Request-Timestamp': ts, 'X-Frameio-Signature': `v0=${toHex(await hmac('SHA-256', secret, `v0:${ts}:${body}`))}` }
		}
	} satisfies PresetCase,
	basicAuth('pipedrive', 'pipedrive:pd-Pa55-w0rd'),
	// Attio: Attio-Signature = hex HMAC-SHA256 of the body with the webhook secret.
	bodyHmac({ slug: 'attio', header: 'Attio-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'attio-webhook-secret', wrongSecret: 'attio-webhook-secreT' }),
	basicAuth('contentful', 'contentful:cf-Pa55-w0rd'),
	basicAuth('datocms', 'datocms:dato-Pa55-w0rd')
]
