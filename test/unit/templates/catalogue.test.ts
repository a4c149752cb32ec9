import { describe, expect, it } from 'bun:test'
import { getTemplate } from '../../../src/templates'
import { DEV_CASES } from './cases-dev'
import { MESSAGING_CASES } from './cases-messaging'
import { PAYMENTS_CASES } from './cases-payments'
import { WORKSPACE_CASES } from './cases-workspace'
import { verifyWithTemplate } from './presets'
import { SCHEME_REUSE_PRESETS } from './slugs'

const CASES = [...DEV_CASES, ...PAYMENTS_CASES, ...MESSAGING_CASES, ...WORKSPACE_CASES]

describe('presets that reuse an existing scheme', () => {
	it('are all shipped, each with exactly one signing case', () => {
		expect(SCHEME_REUSE_PRESETS).toHaveLength(63)
		expect(CASES.map((c) => c.slug).sort()).toEqual([...SCHEME_REUSE_PRESETS])
		for (const slug of SCHEME_REUSE_PRESETS) expect(getTemplate(slug)?.slug).toBe(slug)
	})

	it('use only the existing verifiers, with a dedup hint and no handshake', () => {
		for (const slug of SCHEME_REUSE_PRESETS) {
			const t = getTemplate(slug)!
			expect(['hmac_sha256', 'hmac_sha1', 'standard_webhooks', 'basic_auth']).toContain(t.verification_type as string)
			expect(t.handshake).toBeNull()
			expect(t.dedup).not.toBeNull()
			if (t.dedup?.strategy !== 'payload_hash') expect(t.dedup?.field).toBeTruthy()
		}
	})

	it('mark Basic-auth presets as not covering the body, and only those', () => {
		for (const c of CASES) expect({ slug: c.slug, bindsBody: c.bindsBody }).toEqual({ slug: c.slug, bindsBody: getTemplate(c.slug)?.verification_type !== 'basic_auth' })
	})

	it('carry a body_field dedup hint that exists in their own sample event', () => {
		for (const slug of SCHEME_REUSE_PRESETS) {
			const t = getTemplate(slug)!
			if (t.dedup?.strategy !== 'body_field' || !t.dedup.field) continue
			let value: unknown = t.sample_event
			for (const part of t.dedup.field.split('.')) value = (value as Record<string, unknown>)[part]
			expect({ slug, found: typeof value === 'string' || typeof value === 'number' }).toEqual({ slug, found: true })
		}
	})
})

/** Standard Webhooks' own published vector (libraries/javascript/src/webhook.test.ts, signatures.md §16). */
const SPEC_VECTOR = {
	secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
	id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
	timestamp: 1614265330,
	body: '{"test": 2432232314}',
	signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
}

describe('presets that declare Standard Webhooks compliance', () => {
	const slugs = SCHEME_REUSE_PRESETS.filter((s) => getTemplate(s)?.verification_type === 'standard_webhooks')
	it('are the ones expected', () => {
		expect(slugs).toEqual(['brex', 'incident-io', 'make', 'openai', 'polar', 'render', 'replicate', 'stytch', 'supabase'])
	})
	for (const slug of slugs) {
		it(`${slug}: verifies the specification's published vector under the template's own header family`, () => {
			const family = getTemplate(slug)!.verification_header!.slice(0, -'-signature'.length)
			const headers = { [`${family}-id`]: SPEC_VECTOR.id, [`${family}-timestamp`]: String(SPEC_VECTOR.timestamp), [`${family}-signature`]: SPEC_VECTOR.signature }
			expect(verifyWithTemplate(slug, headers, SPEC_VECTOR.body, SPEC_VECTOR.secret, SPEC_VECTOR.timestamp)).toBe(true)
			expect(verifyWithTemplate(slug, headers, '{"test": 2432232315}', SPEC_VECTOR.secret, SPEC_VECTOR.timestamp)).toBe(false)
			expect(verifyWithTemplate(slug, headers, SPEC_VECTOR.body, SPEC_VECTOR.secret, SPEC_VECTOR.timestamp + 301)).toBe(false)
		})
	}
})
