import { describe, expect, it } from 'bun:test'
import { getTemplate } from '../../../src/templates'
import { verifyRequest } from '../../../src/verify'
import type { VerificationType } from '../../../src/verify/types'
import { makeRequest } from '../verify/helpers'

/** Providers' own published vectors, checked through the template's settings. */
function viaTemplate(slug: string, secret: string, init: Parameters<typeof makeRequest>[0]): boolean {
	const t = getTemplate(slug)
	if (!t?.verification_type) throw new Error(`no template ${slug}`)
	return verifyRequest(makeRequest(init), { type: t.verification_type as VerificationType, secrets: [secret], header: t.verification_header, config: { ...t.verification_config } })
}

describe('Square (square/square-ruby-sdk test/webhooks/test_webhooks_helper.rb)', () => {
	const body = '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}'
	const url = 'https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9'
	const headers = { 'x-square-hmacsha256-signature': 'GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=' }

	it('accepts the SDK test suite\'s signed notification', () => {
		expect(viaTemplate('square', 'Ibxx_5AKakO-3qeNVR61Dw', { body, url, headers })).toBe(true)
		expect(viaTemplate('square', 'signature-key', { body: '{"data":{"type":"webhooks","id":">id<"}}', url: 'https://webhook.site/webhooks', headers: { 'x-square-hmacsha256-signature': 'Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=' } })).toBe(true)
	})

	it('refuses it with another URL, key, signature or body, as the SDK tests do', () => {
		expect(viaTemplate('square', 'Ibxx_5AKakO-3qeNVR61Dw', { body, url: 'https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9', headers })).toBe(false)
		expect(viaTemplate('square', 'MCmhFRxGX82xMwg5FsaoQA', { body, url, headers })).toBe(false)
		expect(viaTemplate('square', 'Ibxx_5AKakO-3qeNVR61Dw', { body, url, headers: { 'x-square-hmacsha256-signature': '1z2n3DEJJiUPKcPzQo1ftvbxGdw=' } })).toBe(false)
		expect(viaTemplate('square', 'Ibxx_5AKakO-3qeNVR61Dw', { body: body.replace('2022-07-13', '2022-06-13'), url, headers })).toBe(false)
	})
})
