/**
 * Where a provider publishes an official npm SDK that verifies its webhooks,
 * the SDK itself must accept what our test signer produces for the template's
 * sample event (and refuse it once the body changes). That pins each signer to
 * the provider's own code, not just to our reading of its docs; the template
 * must accept the very same request.
 */
import { describe, expect, it } from 'bun:test'
import { WebhookEventVerifier } from '@onfido/api'
import { verifySignature as gocardlessVerify } from 'gocardless-nodejs/webhooks'
import OpenAI from 'openai'
import Pusher from 'pusher'
import Razorpay from 'razorpay'
import { validateWebhook as replicateValidate } from 'replicate'
import { WebflowClient } from 'webflow-api'
import { DEV_CASES } from './cases-dev'
import { MESSAGING_CASES } from './cases-messaging'
import { PAYMENTS_CASES } from './cases-payments'
import { WORKSPACE_CASES } from './cases-workspace'
import { sampleBody, verifyWithTemplate, type Headers, type PresetCase } from './presets'

const CASES = [...DEV_CASES, ...PAYMENTS_CASES, ...MESSAGING_CASES, ...WORKSPACE_CASES]

function preset(slug: string): PresetCase {
	const c = CASES.find((x) => x.slug === slug)
	if (!c) throw new Error(`no case for ${slug}`)
	return c
}

/** SDKs read lower-case header names from a plain object, as Node's http module delivers them. */
const lower = (headers: Headers): Headers => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))

/** Whether a throwing SDK check passes. */
function passes(check: () => unknown): boolean {
	try {
		check()
		return true
	} catch {
		return false
	}
}

async function resolves(check: () => Promise<unknown>): Promise<boolean> {
	try {
		await check()
		return true
	} catch {
		return false
	}
}

type SdkCheck = (body: string, headers: Headers, secret: string) => Promise<boolean>

const SDKS: Record<string, SdkCheck> = {
	async razorpay(body, h, secret) {
		return Razorpay.validateWebhookSignature(body, lower(h)['x-razorpay-signature'] ?? '', secret)
	},
	async onfido(body, h, secret) {
		return passes(() => new WebhookEventVerifier(secret).readPayload(body, lower(h)['x-sha2-signature'] ?? ''))
	},
	async gocardless(body, h, secret) {
		return passes(() => gocardlessVerify(body, secret, lower(h)['webhook-signature'] ?? ''))
	},
	async pusher(body, h, secret) {
		// Pusher posts JSON and its SDK refuses any other content type.
		const headers: Headers = { ...lower(h), 'content-type': 'application/json' }
		const client = new Pusher({ appId: '1', key: headers['x-pusher-key'] ?? '', secret, cluster: 'eu' })
		return client.webhook({ headers, rawBody: body }).isValid()
	},
	async webflow(body, h, secret) {
		return new WebflowClient({ accessToken: 'unused' }).webhooks.verifySignature({ headers: lower(h), body, secret })
	},
	async openai(body, h, secret) {
		const client = new OpenAI({ apiKey: 'sk-unused', webhookSecret: secret })
		return resolves(() => client.webhooks.verifySignature(body, h))
	},
	async replicate(body, h, secret) {
		const headers = lower(h)
		return replicateValidate({ id: headers['webhook-id'] ?? '', timestamp: headers['webhook-timestamp'] ?? '', signature: headers['webhook-signature'] ?? '', body, secret })
	}
}

describe("official SDKs accept the test signers' requests", () => {
	for (const [slug, sdk] of Object.entries(SDKS)) {
		it(`${slug}: the SDK and the template both accept the signed sample event, and the SDK refuses a changed body`, async () => {
			const c = preset(slug)
			const body = sampleBody(slug)
			const now = Math.floor(Date.now() / 1000)
			const headers = await c.sign(body, c.secret, now)
			expect(await sdk(body, headers, c.secret)).toBe(true)
			expect(verifyWithTemplate(slug, headers, body, c.secret, now)).toBe(true)
			expect(await sdk(`${body} `, headers, c.secret)).toBe(false)
			expect(await sdk(body, headers, c.wrongSecret)).toBe(false)
		})
	}
})
