import { describe, expect, it } from 'bun:test'
import { encodeSignatureHeader, isValidSignature } from '@sanity/webhook'
import Mux from '@mux/mux-node'
import { WorkOS } from '@workos-inc/node'
import { v2 as cloudinary } from 'cloudinary'
import { verifyKey } from 'discord-interactions'
import { getTemplate } from '../../../src/templates'
import { verifyRequest } from '../../../src/verify'
import type { VerificationType } from '../../../src/verify/types'
import { makeRequest, tamper } from '../verify/helpers'
import { PRESETS } from './signers'

/**
 * Where a provider ships an official library on npm, it either signs the
 * template's sample event itself (Sanity, WorkOS) or judges the request the
 * test signed (Discord, Mux, Cloudinary); hookstream's verdict must equal the
 * library's on the genuine request and on a tampered, wrong-key or stale one.
 */
function hookstream(slug: string, secret: string, body: string | Uint8Array, headers: Record<string, string>, nowMs: number): boolean {
	const t = getTemplate(slug)
	if (!t?.verification_type) throw new Error(`no template ${slug}`)
	return verifyRequest(makeRequest({ body, headers, nowMs }), { type: t.verification_type as VerificationType, secrets: [secret], header: t.verification_header, config: { ...t.verification_config } })
}

const sample = (slug: string) => JSON.stringify(getTemplate(slug)?.sample_event)
const preset = (slug: string) => {
	const p = PRESETS.find((x) => x.slug === slug)
	if (!p) throw new Error(`no preset ${slug}`)
	return p
}
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe('official SDKs agree', () => {
	it('@sanity/webhook signs the Sanity sample; hookstream and the SDK accept it and refuse it tampered', async () => {
		const body = sample('sanity')
		const now = Date.now()
		const header = await encodeSignatureHeader(body, now, 'sanity-secret')
		expect(hookstream('sanity', 'sanity-secret', body, { 'sanity-webhook-signature': header }, now)).toBe(true)
		expect(await isValidSignature(body, header, 'sanity-secret')).toBe(true)
		expect(hookstream('sanity', 'sanity-secret', tamper(body), { 'sanity-webhook-signature': header }, now)).toBe(false)
		expect(await isValidSignature(text(tamper(body)), header, 'sanity-secret')).toBe(false)
		expect(hookstream('sanity', 'other-secret', body, { 'sanity-webhook-signature': header }, now)).toBe(false)
		expect(hookstream('sanity', 'sanity-secret', body, { 'sanity-webhook-signature': header }, now + 301_000)).toBe(false)
	})

	it('@workos-inc/node computes the WorkOS signature of the sample; both verify it, both refuse a tampered one', async () => {
		const workos = new WorkOS('sk_test_hookstream')
		const payload = getTemplate('workos')?.sample_event as Record<string, unknown>
		const now = Date.now()
		const header = `t=${now}, v1=${await workos.webhooks.computeSignature(now, payload, 'workos-secret')}`
		const body = JSON.stringify(payload)
		expect(hookstream('workos', 'workos-secret', body, { 'workos-signature': header }, now)).toBe(true)
		expect(await workos.webhooks.verifyHeader({ payload, sigHeader: header, secret: 'workos-secret' })).toBe(true)
		expect(hookstream('workos', 'workos-secret', tamper(body), { 'workos-signature': header }, now)).toBe(false)
		await expect(workos.webhooks.verifyHeader({ payload: { ...payload, event: 'dsync.user.deleted' }, sigHeader: header, secret: 'workos-secret' })).rejects.toThrow()
		expect(hookstream('workos', 'workos-secret', body, { 'workos-signature': header }, now + 181_000)).toBe(false)
	})

	it('discord-interactions verifyKey judges the Discord requests exactly as hookstream does', async () => {
		const p = preset('discord')
		const now = Date.now()
		const body = sample('discord')
		for (const [what, secret, sent] of [['genuine', p.signingSecret, body], ['wrong key', p.wrongSecret, body], ['tampered', p.signingSecret, text(tamper(body))]] as const) {
			const { headers } = p.sign({ body, url: '', secret, now })
			const sdk = await verifyKey(sent, headers['x-signature-ed25519'] ?? '', headers['x-signature-timestamp'] ?? '', p.sourceSecret)
			expect({ what, sdk, ours: hookstream('discord', p.sourceSecret, sent, headers, now) }).toEqual({ what, sdk: what === 'genuine', ours: what === 'genuine' })
		}
	})

	it('@mux/mux-node verifySignature judges the Mux requests exactly as hookstream does', async () => {
		const mux = new Mux({ tokenId: 'id', tokenSecret: 'secret', webhookSecret: 'mux-secret' })
		const body = sample('mux')
		const now = Date.now()
		const p = preset('mux')
		const cases = [['genuine', 'mux-secret', body, now], ['wrong key', 'mux-secreT', body, now], ['tampered', 'mux-secret', text(tamper(body)), now], ['stale', 'mux-secret', body, now - 360_000]] as const
		for (const [what, secret, sent, at] of cases) {
			const { headers } = p.sign({ body, url: '', secret, now: at })
			const sdk = await mux.webhooks.verifySignature(sent, headers, 'mux-secret').then(() => true, () => false)
			expect({ what, sdk, ours: hookstream('mux', 'mux-secret', sent, headers, now) }).toEqual({ what, sdk: what === 'genuine', ours: what === 'genuine' })
		}
	})

	it('cloudinary.utils.verifyNotificationSignature judges the Cloudinary requests exactly as hookstream does', () => {
		cloudinary.config({ cloud_name: 'demo', api_key: '1234', api_secret: 'cld-secret' })
		const body = sample('cloudinary')
		const now = Date.now()
		const p = preset('cloudinary')
		const cases = [['genuine', 'cld-secret', body, now], ['wrong key', 'cld-secreT', body, now], ['tampered', 'cld-secret', text(tamper(body)), now], ['stale', 'cld-secret', body, now - 7_300_000]] as const
		for (const [what, secret, sent, at] of cases) {
			const { headers } = p.sign({ body, url: '', secret, now: at })
			const sdk = cloudinary.utils.verifyNotificationSignature(sent, Number(headers['x-cld-timestamp']), headers['x-cld-signature'] ?? '', 7200)
			expect({ what, sdk, ours: hookstream('cloudinary', 'cld-secret', sent, headers, now) }).toEqual({ what, sdk: what === 'genuine', ours: what === 'genuine' })
		}
	})
})
