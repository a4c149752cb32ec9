import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync } from 'node:fs'
import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose'
import { type Harness, pipeline, startHarness } from './harness'
import { attemptsOf, deliverThrough, settled, sign } from './provider-flow'
import { freePort, Service, waitFor } from './services'

const EMULATOR = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator'
const emulatorPresent = existsSync(EMULATOR)
// The one service CI may lack: it comes with the Debian 12 image and no registry can install it.
if (!emulatorPresent) console.log(`skipping the Pub/Sub emulator tests: ${EMULATOR} is absent (google-cloud-cli-pubsub-emulator ships with the Debian 12 image only); the REST fake still runs`)

/**
 * Google's token endpoint as far as the JWT-bearer grant goes: it checks the assertion's
 * RS256 signature against the service account's public key, issuer, audience, lifetime,
 * scope and grant type, and counts the tokens it issues (the provider caches them).
 */
async function startTokenEndpoint(clientEmail: string, publicPem: string) {
	const key = await importSPKI(publicPem, 'RS256')
	const issued: string[] = []
	const server = Bun.serve({
		port: 0, hostname: '127.0.0.1',
		async fetch(req) {
			const form = new URLSearchParams(await req.text())
			if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return Response.json({ error: 'unsupported_grant_type', error_description: 'Invalid grant_type' }, { status: 400 })
			try {
				const { payload } = await jwtVerify(form.get('assertion') ?? '', key, { algorithms: ['RS256'], issuer: clientEmail, audience: `${new URL(req.url).origin}/token` })
				if ((payload.exp ?? 0) - (payload.iat ?? 0) > 3600 || payload.scope !== 'https://www.googleapis.com/auth/pubsub') throw new Error('bad lifetime or scope')
			} catch (err) {
				return Response.json({ error: 'invalid_grant', error_description: err instanceof Error ? err.message : 'Invalid JWT Signature.' }, { status: 400 })
			}
			const token = `ya29.test-${issued.length + 1}`
			issued.push(token)
			return Response.json({ access_token: token, expires_in: 3599, token_type: 'Bearer' })
		}
	})
	return { server, issued, tokenUri: `${server.url.origin}/token` }
}

/** The emulator's REST publish, answering with the exact bodies recorded from emulator 0.8.20; it also checks the bearer token. */
function startPubSubFake(tokens: string[]) {
	const published: { data: string; attributes: Record<string, string> }[] = []
	const server = Bun.serve({
		port: 0, hostname: '127.0.0.1',
		async fetch(req) {
			const m = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+):publish$/.exec(new URL(req.url).pathname)
			if (!m || req.method !== 'POST') return Response.json({ error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }, { status: 404 })
			if (!tokens.includes((req.headers.get('authorization') ?? '').replace(/^Bearer /, ''))) return Response.json({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }, { status: 401 })
			if (m[2] !== 'hooks') return Response.json({ error: { code: 404, message: 'Topic not found', status: 'NOT_FOUND' } }, { status: 404 })
			const body = (await req.json()) as { messages?: { data: string; attributes: Record<string, string> }[] }
			if (!body.messages?.length) return Response.json({ error: { code: 400, message: 'No messages to publish', status: 'INVALID_ARGUMENT' } }, { status: 400 })
			published.push(...body.messages)
			return Response.json({ messageIds: body.messages.map((_, i) => String(published.length - body.messages!.length + i + 1)) })
		}
	})
	return { server, published }
}

let h: Harness
let token: Awaited<ReturnType<typeof startTokenEndpoint>>
let serviceAccount: string
let otherAccount: string
const EMAIL = 'gw@test-proj.iam.gserviceaccount.com'

beforeAll(async () => {
	const pair = await generateKeyPair('RS256', { extractable: true })
	const wrong = await generateKeyPair('RS256', { extractable: true })
	token = await startTokenEndpoint(EMAIL, await exportSPKI(pair.publicKey))
	const account = async (k: CryptoKey) => JSON.stringify({ type: 'service_account', project_id: 'test-proj', private_key_id: 'k1', private_key: await exportPKCS8(k), client_email: EMAIL, token_uri: token.tokenUri })
	serviceAccount = await account(pair.privateKey)
	otherAccount = await account(wrong.privateKey)
	h = await startHarness()
}, 30_000)
afterAll(async () => {
	await h?.close()
	await token?.server.stop(true)
}, 30_000)

describe('gcp_pubsub against the REST fake (emulator bodies) and a token endpoint that verifies the RS256 assertion', () => {
	it('publishes base64 data with event attributes, after a verified token exchange that is then cached', async () => {
		const fake = startPubSubFake(token.issued)
		try {
			const config = { project_id: 'test-proj', topic_id: 'hooks', service_account_json: serviceAccount, endpoint: fake.server.url.origin }
			const before = token.issued.length
			const first = await deliverThrough(h, 'pubsub-fake', { type: 'gcp_pubsub', provider_config: config })
			const second = await h.send(first.sourceId, '{"kind":"order","id":5}')
			await settled(h, second, 'delivered')
			expect(token.issued.length - before).toBeLessThanOrEqual(1)
			const [msg] = fake.published
			expect(Buffer.from(msg?.data ?? '', 'base64').toString()).toBe(first.body)
			expect(msg?.attributes).toMatchObject({ event_id: first.eventId, source_id: first.sourceId, 'x-hookstream-signature': sign(first.body) })
			expect(first.attempt).toMatchObject({ response_status: 200, response_body: '{"messageIds":["1"]}' })
			expect(String(first.attempt.request_headers)).not.toContain(token.issued[0])
		} finally {
			await fake.server.stop(true)
		}
	}, 60_000)

	it('a key the token endpoint does not know, and an unknown topic, are failed attempts with Google\'s words', async () => {
		const fake = startPubSubFake(token.issued)
		try {
			const base = { project_id: 'test-proj', endpoint: fake.server.url.origin }
			const bad = await pipeline(h, 'pubsub-badkey', { type: 'gcp_pubsub', retry_max_attempts: 1, provider_config: { ...base, topic_id: 'hooks', service_account_json: otherAccount } })
			const denied = await h.send(bad.sourceId, '{}')
			await settled(h, denied, 'failed')
			expect((await attemptsOf(h, denied))[0]).toMatchObject({ response_status: 400, error_type: 'provider_error', error: `token exchange at ${token.tokenUri} failed: HTTP 400: invalid_grant: signature verification failed` })
			const missing = await pipeline(h, 'pubsub-notopic', { type: 'gcp_pubsub', retry_max_attempts: 1, provider_config: { ...base, topic_id: 'nope', service_account_json: serviceAccount } })
			const lost = await h.send(missing.sourceId, '{}')
			await settled(h, lost, 'failed')
			expect((await attemptsOf(h, lost))[0]).toMatchObject({ response_status: 404, error_type: 'http_4xx', error: 'HTTP 404 NOT_FOUND: Topic not found' })
		} finally {
			await fake.server.stop(true)
		}
	}, 60_000)
})

describe.skipIf(!emulatorPresent)('gcp_pubsub against Google\'s Pub/Sub emulator', () => {
	let emulator: Service
	let url: string
	beforeAll(async () => {
		const port = await freePort()
		url = `http://127.0.0.1:${port}`
		emulator = Service.spawn([EMULATOR, '--host=127.0.0.1', `--port=${port}`])
		await waitFor('Pub/Sub emulator', async () => ((await fetch(url).catch(() => null))?.status ? true : undefined), 60_000)
		expect((await fetch(`${url}/v1/projects/test-proj/topics/hooks`, { method: 'PUT' })).status).toBe(200)
		const sub = await fetch(`${url}/v1/projects/test-proj/subscriptions/hooks-sub`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'projects/test-proj/topics/hooks' }) })
		expect(sub.status).toBe(200)
	}, 90_000)
	afterAll(async () => {
		await emulator?.stop()
	}, 30_000)

	it('a signed, filtered, transformed event is pulled back from a subscription with its attributes', async () => {
		const config = { project_id: 'test-proj', topic_id: 'hooks', service_account_json: serviceAccount, endpoint: url }
		const { eventId, sourceId, body, attempt } = await deliverThrough(h, 'pubsub-emu', { type: 'gcp_pubsub', provider_config: config })
		const pulled = await fetch(`${url}/v1/projects/test-proj/subscriptions/hooks-sub:pull`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxMessages: 10 }) })
		const { receivedMessages } = (await pulled.json()) as { receivedMessages: { message: { data: string; attributes: Record<string, string>; messageId: string } }[] }
		const [got] = receivedMessages
		expect(Buffer.from(got?.message.data ?? '', 'base64').toString()).toBe(body)
		expect(got?.message.attributes).toMatchObject({ event_id: eventId, source_id: sourceId, 'x-hookstream-signature': sign(body) })
		expect(JSON.parse(attempt.response_body ?? '{}')).toEqual({ messageIds: [got?.message.messageId] })
	}, 60_000)

	it('an unknown topic is the emulator\'s 404', async () => {
		const { sourceId } = await pipeline(h, 'pubsub-emu-404', { type: 'gcp_pubsub', retry_max_attempts: 1, provider_config: { project_id: 'test-proj', topic_id: 'missing', service_account_json: serviceAccount, endpoint: url } })
		const eventId = await h.send(sourceId, '{}')
		await settled(h, eventId, 'failed')
		expect((await attemptsOf(h, eventId))[0]).toMatchObject({ response_status: 404, error: 'HTTP 404 NOT_FOUND: Topic not found' })
	}, 60_000)
})
