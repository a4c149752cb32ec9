import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks'
import { makeTestApp, type TestApp } from '../helpers'

/**
 * Behind a reverse proxy Twilio signs the URL it called (the public one), not the
 * one the server sees. With --public-url the verifier must rebuild that URL.
 */
const PUBLIC = 'https://hooks.example.com/gateway'
const TOKEN = '12345abcde67890fghij'
let t: TestApp
let sourceId: string
beforeAll(async () => {
	t = await makeTestApp({ 'public-url': PUBLIC })
	const res = await t.call('POST', '/v1/sources', { body: { name: 'twilio', slug: 'twilio', template: 'twilio', verification_enabled: true, verification_type: 'twilio', verification_secret: TOKEN } })
	expect(res.status).toBe(201)
	sourceId = ((await res.json()) as { source: { id: string } }).source.id
})
afterAll(() => t.close())

const params = { CallSid: 'CA1234567890ABCDE', From: '+14158675309', Digits: '1234', Body: 'Héllo & 100%' }
const form = new URLSearchParams(params).toString()
const post = (signature: string, query = '') =>
	t.call('POST', `/v1/ingest/${sourceId}${query}`, { key: null, body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature } })

describe('Twilio verification behind --public-url', () => {
	it('accepts a signature over the public URL (query included), stored as verified', async () => {
		// Signed by the twilio library, the way Twilio signs the URL it was given.
		const signature = getExpectedTwilioSignature(TOKEN, `${PUBLIC}/v1/ingest/${sourceId}?tenant=acme`, params)
		const res = await post(signature, '?tenant=acme')
		expect(res.status).toBe(200)
		const { event_id } = (await res.json()) as { event_id: string }
		const event = ((await (await t.call('GET', `/v1/events/${event_id}`)).json()) as { event: { verification_status: string } }).event
		expect(event.verification_status).toBe('verified')
	})

	it('refuses a signature over the URL the server itself sees', async () => {
		const local = getExpectedTwilioSignature(TOKEN, `http://localhost/v1/ingest/${sourceId}`, params)
		expect((await post(local)).status).toBe(401)
	})

	it('refuses a public-URL signature when the query differs', async () => {
		const signature = getExpectedTwilioSignature(TOKEN, `${PUBLIC}/v1/ingest/${sourceId}?tenant=acme`, params)
		expect((await post(signature, '?tenant=other')).status).toBe(401)
	})
})
