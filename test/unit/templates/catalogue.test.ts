import { describe, expect, it } from 'bun:test'
import { getTemplate } from '../../../src/templates'
import { DEV_CASES } from './cases-dev'
import { MESSAGING_CASES } from './cases-messaging'
import { PAYMENTS_CASES } from './cases-payments'
import { WORKSPACE_CASES } from './cases-workspace'
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
