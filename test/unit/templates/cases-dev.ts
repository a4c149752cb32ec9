/** Source control, CI/CD, cloud and monitoring presets. */
import { type PresetCase, hmac, toHex } from './presets'
import { basicAuth, bodyHmac, standardWebhooks } from './signers'

/** Several comma-separated `v1=` entries, one per active secret, as CircleCI and PagerDuty send during a rotation. */
function rotatingV1(slug: string, header: string, secret: string, wrongSecret: string, extra: Record<string, string>): PresetCase {
	return {
		slug, secret, wrongSecret, signatureHeader: header, timestamped: false, bindsBody: true,
		async sign(body, s) {
			const retired = toHex(await hmac('SHA-256', `${s}-previous`, body))
			const current = toHex(await hmac('SHA-256', s, body))
			return { [header]: `v1=${retired},v1=${current}`, ...extra }
		}
	}
}

export const DEV_CASES: PresetCase[] = [
	// Bitbucket Cloud: "X-Hub-Signature: sha256=<hex HMAC-SHA256 of the payload>".
	bodyHmac({
		slug: 'bitbucket', header: 'X-Hub-Signature', hash: 'SHA-256', encoding: 'hex', prefix: 'sha256=', secret: 'bb-webhook-secret', wrongSecret: 'bb-webhook-secreT',
		extra: { 'X-Event-Key': 'repo:push', 'X-Request-UUID': 'afe4a2f1-5f49-4d6f-9b1d-3c1a6a7e0c11', 'X-Hook-UUID': 'd1c2b3a4-0000-4000-8000-000000000001' }
	}),
	// Gitea: X-Gitea-Signature is the bare hex HMAC-SHA256 of the payload.
	bodyHmac({
		slug: 'gitea', header: 'X-Gitea-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'gitea-secret', wrongSecret: 'gitea-secreT',
		extra: { 'X-Gitea-Event': 'push', 'X-Gitea-Delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473' }
	}),
	// Vercel: x-vercel-signature = hex HMAC-SHA1 of the raw body.
	bodyHmac({ slug: 'vercel', header: 'x-vercel-signature', hash: 'SHA-1', encoding: 'hex', secret: 'vercel-whsec-2f1e0d', wrongSecret: 'vercel-whsec-2f1e0D' }),
	// CircleCI: circleci-signature = v1=<hex HMAC-SHA256>, comma-separated when several are sent.
	rotatingV1('circleci', 'circleci-signature', 'circle-secret-token', 'circle-secret-tokeN', { 'circleci-event-type': 'workflow-completed' }),
	// Sentry: Sentry-Hook-Signature = hex HMAC-SHA256 of the body, keyed with the client secret.
	bodyHmac({
		slug: 'sentry', header: 'Sentry-Hook-Signature', hash: 'SHA-256', encoding: 'hex', secret: '3c0e5b3b4d1f4a5e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f', wrongSecret: '3c0e5b3b4d1f4a5e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6e',
		extra: { 'Sentry-Hook-Resource': 'issue', 'Sentry-Hook-Timestamp': '1715680123', 'Request-ID': 'b6a1d2c3-e4f5-4a6b-8c7d-9e0f1a2b3c4d' }
	}),
	// PagerDuty V3: X-PagerDuty-Signature = v1=<hex HMAC-SHA256>, comma-separated during a secret rotation.
	rotatingV1('pagerduty', 'X-PagerDuty-Signature', 'pd-signing-secret', 'pd-signing-secreT', { 'X-Webhook-Id': 'ac3f4f53-a4d9-4b4c-9d0e-2f1a0b9c8d7e' }),
	// Standard Webhooks senders: signed with the specification's reference library.
	standardWebhooks('render', 'whsec_cmVuZGVyLXNpZ25pbmcta2V5LWZvci10ZXN0cw==', 'whsec_cmVuZGVyLXNpZ25pbmcta2V5LWZvci10ZXN0cQ=='),
	standardWebhooks('openai', 'whsec_b3BlbmFpLXdlYmhvb2stc2VjcmV0LWZvci10ZXN0cw==', 'whsec_b3BlbmFpLXdlYmhvb2stc2VjcmV0LWZvci10ZXN0cQ=='),
	standardWebhooks('replicate', 'whsec_cmVwbGljYXRlLXNpZ25pbmcta2V5LWZvci10ZXN0', 'whsec_cmVwbGljYXRlLXNpZ25pbmcta2V5LWZvci10ZXNz'),
	standardWebhooks('supabase', 'whsec_c3VwYWJhc2UtYXV0aC1ob29rLXNlY3JldC10ZXN0', 'whsec_c3VwYWJhc2UtYXV0aC1ob29rLXNlY3JldC10ZXNz'),
	// Heroku: Heroku-Webhook-Hmac-SHA256 = base64 HMAC-SHA256 of the body with the subscription secret.
	bodyHmac({
		slug: 'heroku', header: 'Heroku-Webhook-Hmac-SHA256', hash: 'SHA-256', encoding: 'base64', secret: 'heroku-webhook-secret', wrongSecret: 'heroku-webhook-secreT',
		extra: { 'Heroku-Webhook-Id': 'b7a1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d' }
	}),
	// HCP Terraform: X-TFE-Notification-Signature = hex HMAC-SHA512 of the body with the notification token.
	bodyHmac({ slug: 'terraform-cloud', header: 'X-TFE-Notification-Signature', hash: 'SHA-512', encoding: 'hex', secret: 'tfc-notification-token', wrongSecret: 'tfc-notification-tokeN' }),
	// SonarQube: X-Sonar-Webhook-HMAC-SHA256 = hex HMAC-SHA256 of the body with the webhook secret.
	bodyHmac({
		slug: 'sonarqube', header: 'X-Sonar-Webhook-HMAC-SHA256', hash: 'SHA-256', encoding: 'hex', secret: 'sonar-webhook-secret', wrongSecret: 'sonar-webhook-secreT',
		extra: { 'X-SonarQube-Project': 'acme-api' }
	}),
	// LaunchDarkly: X-LD-Signature = hex HMAC-SHA256 of the body with the webhook secret.
	bodyHmac({ slug: 'launchdarkly', header: 'X-LD-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'ld-webhook-secret', wrongSecret: 'ld-webhook-secreT' }),
	// Alchemy Notify: X-Alchemy-Signature = hex HMAC-SHA256 of the body with the signing key used as a string.
	bodyHmac({ slug: 'alchemy', header: 'X-Alchemy-Signature', hash: 'SHA-256', encoding: 'hex', secret: 'whsec_alchemy_signing_key_0001', wrongSecret: 'whsec_alchemy_signing_key_0002' }),
	// incident.io delivers through Svix with webhook-* headers.
	standardWebhooks('incident-io', 'whsec_aW5jaWRlbnQtaW8tc2lnbmluZy1zZWNyZXQ=', 'whsec_aW5jaWRlbnQtaW8tc2lnbmluZy1zZWNyZXg='),
	// Azure DevOps service hooks: Basic authentication on the subscription.
	basicAuth('azure-devops', 'azdo:az-Pa55-w0rd')
]
