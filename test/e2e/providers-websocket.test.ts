import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { newPlaintextKey } from '../../src/auth/service'
import { sha256Hex } from '../../src/lib/crypto'
import { newApiKeyId, newId } from '../../src/lib/ids'
import { type Harness, pipeline, startHarness } from './harness'
import { LiveClient } from './live-client'
import { attemptsOf, deliverThrough, settled } from './provider-flow'

let h: Harness
/** The same server seen through a key of another environment. */
let other: Harness
let wsUrl: string

async function open(key = h.key): Promise<LiveClient> {
	const c = new LiveClient(wsUrl, { authorization: `Bearer ${key}` })
	await c.opened
	await c.until((ms) => ms.some((m) => m.type === 'welcome'))
	return c
}

/** Subscribes under any spelling and waits for the ack, which names the channel lower-case. */
async function join(c: LiveClient, channel: string) {
	c.send({ type: 'subscribe', channel })
	await c.until((ms) => ms.some((m) => m.type === 'subscribed' && m.channel === channel.toLowerCase()))
}

/** Nothing more can be on its way to `c`: the server answers a ping after everything sent before it. */
async function drained(c: LiveClient) {
	const pongs = c.of('pong').length
	c.send({ type: 'ping' })
	await c.until(() => c.of('pong').length > pongs)
}

const delivered = (c: LiveClient) => c.of('event.delivered')
const summaryOf = (attempt: { response_body: string | null }) => JSON.parse(attempt.response_body ?? '{}') as Record<string, unknown>

beforeAll(async () => {
	h = await startHarness()
	wsUrl = `${h.url.replace('http', 'ws')}/v1/ws`
	const env = await h.server.ctx.store.tenancy.ensureDefault({ orgId: newId('org'), envId: newId('env') }, { org: 'Other', env: 'Other', envSlug: 'other-ws' }, Date.now())
	const key = newPlaintextKey()
	await h.server.ctx.store.apiKeys.insert({ id: newApiKeyId(), org_id: env.org_id, env_id: env.id, name: 'o', key_hash: sha256Hex(key), key_prefix: key.slice(0, 12), created_at: Date.now() })
	other = {
		...h, key,
		async api(method, path, body) {
			const res = await fetch(`${h.url}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
			return { status: res.status, body: (await res.json()) as never }
		}
	}
})
afterAll(() => h.close())

describe('websocket destinations', () => {
	it('broadcasts each delivered event on its channel, filtered and transformed, to that environment only', async () => {
		const [a, b, elsewhere, stranger] = [await open(), await open(), await open(), await open(other.key)]
		await join(a, 'orders')
		await join(b, 'ORDERS')
		await join(elsewhere, 'invoices')
		await join(stranger, 'orders')
		const { eventId, body, attempt, destinationId } = await deliverThrough(h, 'wsd', { type: 'websocket', provider_config: { channel_name: 'Orders' } })
		const message = { type: 'event.delivered', channel: 'orders', data: { event_id: eventId, destination_id: destinationId, payload: body, payload_encoding: 'utf8' } }
		// The attempt is recorded after the broadcast: both subscribers have been sent it.
		await a.until(() => delivered(a).length > 0)
		await b.until(() => delivered(b).length > 0)
		await drained(a)
		expect(delivered(a)).toEqual([message])
		expect(delivered(b)).toEqual([message])
		expect(attempt).toMatchObject({ status: 'success', error: null })
		expect(summaryOf(attempt)).toEqual({ channel: 'orders', subscribers: 2, summary: 'sent to 2 subscribers of channel orders' })

		// The other environment's own websocket destination on the same channel name reaches its subscriber, and only that.
		const theirs = await pipeline(other, 'wsd-other', { type: 'websocket', provider_config: { channel_name: 'orders' } })
		const theirEvent = await other.send(theirs.sourceId, '{"theirs":true}')
		await stranger.until(() => delivered(stranger).length > 0)
		expect(delivered(stranger).map((m) => (m.data as { event_id: string }).event_id)).toEqual([theirEvent])
		await drained(a)
		expect(delivered(a)).toEqual([message])
		await drained(elsewhere)
		expect(delivered(elsewhere)).toEqual([])
		for (const c of [a, b, elsewhere, stranger]) c.close()
	})

	it('sends the body as the raw string, base64 when it is not UTF-8, and stops after unsubscribe', async () => {
		const c = await open()
		await join(c, 'raw.feed')
		const ids = await pipeline(h, 'wsd-raw', { type: 'websocket', provider_config: { channel_name: 'raw.feed' } })
		const text = await h.send(ids.sourceId, '{ "spaced":  "é" }')
		const res = await fetch(`${h.url}/v1/ingest/${ids.sourceId}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 255, 1, 0x80]) })
		const binary = ((await res.json()) as { event_id: string }).event_id
		await c.until(() => delivered(c).length === 2)
		const byEvent = Object.fromEntries(delivered(c).map((m) => [(m.data as { event_id: string }).event_id, m.data]))
		expect(byEvent[text]).toMatchObject({ payload: '{ "spaced":  "é" }', payload_encoding: 'utf8' })
		expect(byEvent[binary]).toMatchObject({ payload: Buffer.from([0, 255, 1, 0x80]).toString('base64'), payload_encoding: 'base64' })

		c.send({ type: 'unsubscribe', channel: 'RAW.feed' })
		await c.until((ms) => ms.some((m) => m.type === 'unsubscribed'))
		const later = await h.send(ids.sourceId, '{"later":1}')
		await settled(h, later, 'delivered')
		const [attempt] = await attemptsOf(h, later)
		expect(summaryOf(attempt as never)).toMatchObject({ subscribers: 0 })
		await drained(c)
		expect(delivered(c)).toHaveLength(2)
		c.close()
	})

	it('counts an event with nobody subscribed as delivered to 0 subscribers, without retrying', async () => {
		const ids = await pipeline(h, 'wsd-empty', { type: 'websocket', provider_config: { channel_name: 'nobody-listens' } })
		const eventId = await h.send(ids.sourceId, '{"alone":true}')
		await settled(h, eventId, 'delivered')
		const attempts = await attemptsOf(h, eventId)
		expect(attempts.map((a) => [a.status, a.error_type])).toEqual([['success', null]])
		expect(summaryOf(attempts[0] as never)).toEqual({ channel: 'nobody-listens', subscribers: 0, summary: 'sent to 0 subscribers of channel nobody-listens' })
	})

	it('answers 400 naming /provider_config/channel_name on create and update', async () => {
		for (const config of [{}, { channel_name: 'has space' }, { channel_name: 'deliveries' }]) {
			const res = await h.api<Record<string, unknown>>('POST', '/v1/destinations', { name: 'bad', slug: 'ws-bad', type: 'websocket', provider_config: config })
			expect(res.status).toBe(400)
			expect(res.body).toMatchObject({ status: 400, details: [{ path: '/provider_config/channel_name' }] })
			expect(typeof res.body.error).toBe('string')
			expect(String(res.body.request_id)).toMatch(/^req_/)
		}
		const made = await h.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: 'ok', slug: 'ws-ok', type: 'websocket', provider_config: { channel_name: 'ok' } })
		expect(made.status).toBe(201)
		const patched = await h.api('PATCH', `/v1/destinations/${made.body.destination.id}`, { provider_config: { channel_name: 'no/slash' } })
		expect(patched).toMatchObject({ status: 400, body: { status: 400, details: [{ path: '/provider_config/channel_name' }] } })
	})
})
