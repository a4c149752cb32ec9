import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHmac, generateKeyPairSync, sign } from 'node:crypto'
import { type Harness, pipeline, startHarness } from './harness'

/**
 * Every handshake through a real server: the provider's challenge, shaped as
 * its documentation shows, gets back exactly the documented response (status,
 * content type, bytes), is stored as a `handshake` event and is never routed.
 * Signers are written here from the providers' docs, not taken from src/.
 */
let h: Harness

beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

interface Stored {
	id: string
	status: string
	verification_status: string
	method: string
}

async function source(template: string, extra: Record<string, unknown> = {}): Promise<string> {
	const res = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: template, slug: `hs-${template}-${crypto.randomUUID().slice(0, 8)}`, template, ...extra })
	expect(res.status).toBe(201)
	return res.body.source.id
}

const ingest = (id: string, query = '') => `${h.url}/v1/ingest/${id}${query}`

async function events(sourceId: string): Promise<Stored[]> {
	const list = await h.api<{ events: { id: string }[] }>('GET', `/v1/events?source_id=${sourceId}`)
	return Promise.all(list.body.events.map(async (e) => (await h.api<{ event: Stored }>('GET', `/v1/events/${e.id}`)).body.event))
}

/** Status, the headers that matter, and the body exactly as bytes on the wire. */
async function wire(res: Response, headers: string[] = ['content-type']) {
	return { status: res.status, headers: Object.fromEntries(headers.map((n) => [n, res.headers.get(n)])), body: await res.text() }
}

async function expectOneHandshake(sourceId: string, method: string): Promise<void> {
	const stored = await events(sourceId)
	expect(stored.map((e) => ({ verification_status: e.verification_status, status: e.status, method: e.method }))).toEqual([
		{ verification_status: 'handshake', status: 'no_route', method }
	])
}

const slackSign = (secret: string, ts: string, body: string) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`

describe('Slack url_verification', () => {
	const secret = '8f742231b10e8888abcd99yyyzzz85a5'
	// The request Slack's Events API docs show.
	const body = '{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}'

	it('answers {"challenge":…} as JSON once the signature verifies, stores it as a handshake, routes nothing', async () => {
		const { sourceId } = await pipeline(h, `slack-${crypto.randomUUID().slice(0, 6)}`, { url: 'http://127.0.0.1:9/never' }, {}, { template: 'slack', verification_secret: secret })
		const ts = String(Math.floor(Date.now() / 1000))
		const res = await fetch(ingest(sourceId), { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSign(secret, ts, body) }, body })
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}' })
		await expectOneHandshake(sourceId, 'POST')
	})

	it('refuses an unsigned or wrongly signed challenge with 401 and stores nothing', async () => {
		const id = await source('slack', { verification_secret: secret })
		const ts = String(Math.floor(Date.now() / 1000))
		const attempts: Record<string, string>[] = [{}, { 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSign('wrong-secret', ts, body) }]
		for (const headers of attempts) {
			const res = await fetch(ingest(id), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
			expect(res.status).toBe(401)
			expect(await res.json()).toMatchObject({ status: 401, error: 'Invalid signature' })
		}
		expect(await events(id)).toEqual([])
	})

	it('still takes ordinary signed events (verified, not a handshake)', async () => {
		const id = await source('slack', { verification_secret: secret })
		const event = '{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}'
		const ts = String(Math.floor(Date.now() / 1000))
		const res = await fetch(ingest(id), { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSign(secret, ts, event) }, body: event })
		expect(res.status).toBe(200)
		expect((await events(id)).map((e) => e.verification_status)).toEqual(['verified'])
	})

	it('is turned off by verification_config.handshake = null', async () => {
		const id = await source('slack', { verification_secret: secret, verification_config: { handshake: null } })
		const ts = String(Math.floor(Date.now() / 1000))
		const res = await fetch(ingest(id), { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSign(secret, ts, body) }, body })
		expect(await res.json()).toMatchObject({ event_id: expect.stringMatching(/^evt_/) })
		expect((await events(id)).map((e) => e.verification_status)).toEqual(['verified'])
	})

	it('refuses an unknown handshake name on create', async () => {
		const res = await h.api('POST', '/v1/sources', { name: 'x', slug: 'hs-unknown', verification_config: { handshake: 'smoke_signal' } })
		expect(res.status).toBe(400)
		expect(res.body).toMatchObject({ status: 400, error: expect.stringContaining('verification_config.handshake') })
	})
})

describe('Zoom endpoint.url_validation', () => {
	const secret = 'zoom-secret-token-123'
	const body = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}'
	const zoomHeaders = (key: string) => {
		const ts = String(Math.floor(Date.now() / 1000))
		return { 'content-type': 'application/json', 'x-zm-request-timestamp': ts, 'x-zm-signature': `v0=${createHmac('sha256', key).update(`v0:${ts}:${body}`).digest('hex')}` }
	}

	it('answers {plainToken, encryptedToken = hex HMAC-SHA256(secret token, plainToken)}', async () => {
		const id = await source('zoom', { verification_secret: secret })
		const res = await fetch(ingest(id), { method: 'POST', headers: zoomHeaders(secret), body })
		const encrypted = createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex')
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: `{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"${encrypted}"}` })
		await expectOneHandshake(id, 'POST')
	})

	it('is no signing oracle: an unsigned validation request gets 401, not an HMAC', async () => {
		const id = await source('zoom', { verification_secret: secret })
		const res = await fetch(ingest(id), { method: 'POST', headers: zoomHeaders('not-the-secret'), body })
		expect(res.status).toBe(401)
		expect(await events(id)).toEqual([])
	})
})

describe('Discord PING', () => {
	const { publicKey, privateKey } = generateKeyPairSync('ed25519')
	const hexKey = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('hex')
	const body = '{"type":1,"id":"786008729715212338","application_id":"775799577604522054","version":1}'

	it('answers {"type":1} to a signed PING; 401 to a bad signature (Discord tests both)', async () => {
		const id = await source('discord', { verification_secret: hexKey })
		const ts = String(Math.floor(Date.now() / 1000))
		const signature = sign(null, Buffer.from(ts + body), privateKey).toString('hex')
		const res = await fetch(ingest(id), { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': ts }, body })
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"type":1}' })
		const forged = await fetch(ingest(id), { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature-ed25519': '00'.repeat(64), 'x-signature-timestamp': ts }, body })
		expect(forged.status).toBe(401)
		await expectOneHandshake(id, 'POST')
	})
})

describe('Twitch EventSub webhook_callback_verification', () => {
	it('answers with the raw challenge as text/plain once the message verifies', async () => {
		const secret = 's3cRe7-twitch-secret'
		const id = await source('twitch', { verification_secret: secret })
		const body = '{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2"}}'
		const messageId = 'e76c6bd4-55c9-4987-8304-da1588d8988b'
		const ts = new Date().toISOString().replace('Z', '123456Z')
		const signature = `sha256=${createHmac('sha256', secret).update(messageId + ts + body).digest('hex')}`
		const headers = { 'content-type': 'application/json', 'twitch-eventsub-message-id': messageId, 'twitch-eventsub-message-timestamp': ts, 'twitch-eventsub-message-type': 'webhook_callback_verification', 'twitch-eventsub-message-signature': signature }
		const res = await fetch(ingest(id), { method: 'POST', headers, body })
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'pogchamp-kappa-360noscope-vohiyo' })
		const bad = await fetch(ingest(id), { method: 'POST', headers: { ...headers, 'twitch-eventsub-message-signature': `sha256=${'0'.repeat(64)}` }, body })
		expect(bad.status).toBe(401)
		await expectOneHandshake(id, 'POST')
	})
})

describe('unsigned challenges', () => {
	it('Dropbox: GET ?challenge= → the challenge, text/plain, nosniff', async () => {
		const id = await source('dropbox', { verification_secret: 'app-secret' })
		const res = await fetch(ingest(id, '?challenge=f8a5-challenge-string'))
		expect(await wire(res, ['content-type', 'x-content-type-options'])).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: 'f8a5-challenge-string' })
		await expectOneHandshake(id, 'GET')
	})

	it('Asana: X-Hook-Secret echoed in the same header, empty 200; the stored event keeps it for the owner', async () => {
		const id = await source('asana', { verification_enabled: false })
		const res = await fetch(ingest(id), { method: 'POST', headers: { 'x-hook-secret': 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81' } })
		expect(await wire(res, ['x-hook-secret'])).toEqual({ status: 200, headers: { 'x-hook-secret': 'b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81' }, body: '' })
		await expectOneHandshake(id, 'POST')
		const [stored] = await events(id)
		const detail = await h.api<{ event: { headers: Record<string, string> } }>('GET', `/v1/events/${stored?.id}`)
		expect(detail.body.event.headers['x-hook-secret']).toBe('b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81')
	})

	it('monday.com: {"challenge":…} → the same JSON', async () => {
		const id = await source('monday', { verification_secret: 'signing-secret' })
		const res = await fetch(ingest(id), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}' })
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}' })
		await expectOneHandshake(id, 'POST')
	})

	it('Okta: GET with X-Okta-Verification-Challenge → {"verification":…}', async () => {
		const id = await source('okta', { verification_secret: 'Bearer okta-hook-token' })
		const res = await fetch(ingest(id), { headers: { 'x-okta-verification-challenge': 'X8cuWJ3yMKR59ikjbwl7D2mGi5L2hQ6wIdq4wUYe' } })
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"verification":"X8cuWJ3yMKR59ikjbwl7D2mGi5L2hQ6wIdq4wUYe"}' })
		await expectOneHandshake(id, 'GET')
	})

	it('Meta: hub.challenge echoed when hub.verify_token matches, 403 envelope when it does not', async () => {
		const id = await source('meta', { verification_secret: 'app-secret', verification_config: { verify_token: 'meatyhamhock' } })
		const res = await fetch(ingest(id, '?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock'))
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '1158201444' })
		const wrong = await fetch(ingest(id, '?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess'))
		expect(wrong.status).toBe(403)
		expect(await wrong.json()).toMatchObject({ status: 403, error: expect.stringContaining('verify_token'), request_id: expect.stringMatching(/^req_/) })
		await expectOneHandshake(id, 'GET')
	})

	it('X (Twitter): GET ?crc_token= → {"response_token":"sha256=<base64 HMAC-SHA256(consumer secret, token)>"}', async () => {
		const secret = 'consumer-secret-abc'
		const id = await source('twitter', { verification_secret: secret })
		const res = await fetch(ingest(id, '?crc_token=M2NjNGQzZjMtZjYyZS00NjBmLWE1NzMtNTRkYTM4NzkzOTA3'))
		const expected = createHmac('sha256', secret).update('M2NjNGQzZjMtZjYyZS00NjBmLWE1NzMtNTRkYTM4NzkzOTA3').digest('base64')
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'application/json' }, body: `{"response_token":"sha256=${expected}"}` })
		// A token shaped like a JSON body is refused: the answer must not sign arbitrary bytes.
		const oracle = await fetch(ingest(id, `?crc_token=${encodeURIComponent('{"for_user_id":"1"}')}`))
		expect(oracle.status).toBe(400)
		await expectOneHandshake(id, 'GET')
	})

	it('Microsoft Graph: ?validationToken= → the decoded token as text/plain', async () => {
		const id = await source('microsoft-graph', { verification_secret: 'secretClientState' })
		const res = await fetch(ingest(id, '?validationToken=Validation%3A+Testing+client+application+reachability+for+subscription+Request-Id%3A+25ae8ad1-a9d4-4d45-8b01-4e2d5f0a0a42'), { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' } })
		expect(await wire(res)).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Validation: Testing client application reachability for subscription Request-Id: 25ae8ad1-a9d4-4d45-8b01-4e2d5f0a0a42' })
		await expectOneHandshake(id, 'POST')
	})

	it('Trello and Mandrill: HEAD probe → 200; a source without head_probe refuses HEAD with 405', async () => {
		for (const template of ['trello', 'mandrill']) {
			const id = await source(template, { verification_secret: 'secret' })
			const res = await fetch(ingest(id), { method: 'HEAD' })
			expect({ template, status: res.status }).toEqual({ template, status: 200 })
			await expectOneHandshake(id, 'HEAD')
		}
		const plain = await source('github', { verification_secret: 'secret' })
		const res = await fetch(ingest(plain), { method: 'HEAD' })
		expect(res.status).toBe(405)
		expect(await events(plain)).toEqual([])
	})
})

describe('Dropbox Sign callback_test and acknowledgements', () => {
	const key = 'dropbox-sign-api-key'
	const callback = (eventType: string, secret = key) => {
		const event = { event: { event_time: String(Math.floor(Date.now() / 1000)), event_type: eventType, event_hash: '', event_metadata: { related_signature_id: null } } }
		event.event.event_hash = createHmac('sha256', secret).update(event.event.event_time + eventType).digest('hex')
		return `--dbsBoundary\r\nContent-Disposition: form-data; name="json"\r\n\r\n${JSON.stringify(event)}\r\n--dbsBoundary--\r\n`
	}
	const post = (id: string, body: string) => fetch(ingest(id), { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=dbsBoundary' }, body })

	it('answers a verified callback_test with "Hello API Event Received" as a handshake, and every event with the same text', async () => {
		const id = await source('dropbox-sign', { verification_secret: key })
		expect(await wire(await post(id, callback('callback_test')))).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Hello API Event Received' })
		await expectOneHandshake(id, 'POST')
		expect(await wire(await post(id, callback('signature_request_signed')))).toEqual({ status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Hello API Event Received' })
		expect((await events(id)).map((e) => e.verification_status).sort()).toEqual(['handshake', 'verified'])
		const forged = await post(id, callback('callback_test', 'not-the-key'))
		expect(forged.status).toBe(401)
	})
})
