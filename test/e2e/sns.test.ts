import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createSign } from 'node:crypto'
import { join } from 'node:path'
import type { RemoteGet } from '../../src/ingest/remote'
import { type Harness, startHarness } from './harness'

/**
 * Amazon SNS through a real server, with a local fake AWS host: it serves the
 * signing certificate and records subscription confirmations. The injected
 * transport only swaps https for http (no TLS locally); the SSRF guard and the
 * host pattern still apply. Messages are signed here as AWS documents it
 * (openssl-made key and certificate in fixtures/), not by src/.
 */
const CERT = await Bun.file(join(import.meta.dir, 'fixtures', 'sns-signing.cert.pem')).text()
const KEY = await Bun.file(join(import.meta.dir, 'fixtures', 'sns-signing.key.pem')).text()
const TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic'

const hits: string[] = []
const awsHost = Bun.serve({
	port: 0,
	hostname: '127.0.0.1',
	fetch(req) {
		const url = new URL(req.url)
		hits.push(url.pathname + url.search)
		if (url.pathname === '/SimpleNotificationService-test.pem') return new Response(CERT)
		if (url.searchParams.get('Action') === 'ConfirmSubscription') return new Response('<ConfirmSubscriptionResponse/>', { headers: { 'content-type': 'text/xml' } })
		return new Response('not found', { status: 404 })
	}
})
const base = `https://127.0.0.1:${awsHost.port}`
const viaHttp: RemoteGet = async (url) => (await fetch(url.href.replace(/^https:/, 'http:'))).text()

let h: Harness
let sourceId: string
beforeAll(async () => {
	h = await startHarness({}, { remoteGet: viaHttp })
	const res = await h.api<{ source: { id: string } }>('POST', '/v1/sources', {
		name: 'sns', slug: 'sns', template: 'aws-sns', verification_secret: TOPIC, verification_config: { cert_host_pattern: '^127\\.0\\.0\\.1$' }
	})
	expect(res.status).toBe(201)
	sourceId = res.body.source.id
})
afterAll(async () => {
	await h.close()
	awsHost.stop(true)
})

const FIELDS: Record<string, string[]> = {
	Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
	SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type']
}

/** AWS's documented string to sign: `name\nvalue\n` for each present field, in this order. */
function signMessage(message: Record<string, string>, version: '1' | '2' = '2'): Record<string, string> {
	const out: Record<string, string> = { ...message, SignatureVersion: version, SigningCertURL: `${base}/SimpleNotificationService-test.pem` }
	const text = (FIELDS[out.Type ?? ''] ?? []).filter((f) => out[f] !== undefined).map((f) => `${f}\n${out[f]}\n`).join('')
	return { ...out, Signature: createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(text).sign(KEY, 'base64') }
}

const post = (message: Record<string, string>) =>
	fetch(`${h.url}/v1/ingest/${sourceId}`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': message.Type ?? '', 'x-amz-sns-topic-arn': message.TopicArn ?? '' }, body: JSON.stringify(message) })

const confirmation = (subscribeUrl: string) => signMessage({
	Type: 'SubscriptionConfirmation', MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b', Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
	TopicArn: TOPIC, Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
	SubscribeURL: subscribeUrl, Timestamp: new Date().toISOString()
})

const notification = (overrides: Record<string, string> = {}, version: '1' | '2' = '1') => signMessage({
	Type: 'Notification', MessageId: crypto.randomUUID(), TopicArn: TOPIC, Subject: 'My First Message', Message: 'Hello world!', Timestamp: new Date().toISOString(), ...overrides
}, version)

describe('Amazon SNS', () => {
	it('confirms a signed SubscriptionConfirmation by GETting SubscribeURL once, stores it as a handshake', async () => {
		hits.length = 0
		const subscribe = `${base}/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37fb`
		const res = await post(confirmation(subscribe))
		expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: '' })
		expect(hits).toEqual(['/SimpleNotificationService-test.pem', `/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37fb`])
		const list = await h.api<{ events: { verification_status: string; status: string }[] }>('GET', `/v1/events?source_id=${sourceId}&verification_status=handshake`)
		expect(list.body.events.map((e) => [e.verification_status, e.status])).toEqual([['handshake', 'no_route']])
	})

	it('never follows SubscribeURL of an unverified message, nor one on an untrusted host', async () => {
		hits.length = 0
		const forged = { ...confirmation(`${base}/?Action=ConfirmSubscription&Token=forged`), Signature: Buffer.alloc(256, 1).toString('base64') }
		expect((await post(forged)).status).toBe(401)
		const elsewhere = await post(confirmation('https://169.254.169.254/latest/meta-data/?Action=ConfirmSubscription'))
		expect(elsewhere.status).toBe(400)
		expect(hits.filter((p) => p.includes('ConfirmSubscription'))).toEqual([])
	})

	it('accepts a signed Notification (SignatureVersion 1 and 2), verified and routable', async () => {
		for (const version of ['1', '2'] as const) {
			const res = await post(notification({}, version))
			const json = (await res.json()) as { event_id?: string }
			expect({ version, status: res.status, ok: json.event_id?.startsWith('evt_') }).toEqual({ version, status: 200, ok: true })
		}
	})

	it('refuses a tampered message, another topic, a stale timestamp and an untrusted certificate host (401)', async () => {
		const tampered = { ...notification(), Message: 'Hello world?' }
		const otherTopic = notification({ TopicArn: 'arn:aws:sns:us-west-2:999999999999:Theirs' })
		const stale = notification({ Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() })
		const untrustedCert = { ...notification(), SigningCertURL: 'https://attacker.example/SimpleNotificationService-test.pem' }
		for (const [what, message] of Object.entries({ tampered, otherTopic, stale, untrustedCert })) {
			const res = await post(message)
			expect({ what, status: res.status }).toEqual({ what, status: 401 })
		}
	})
})
