import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { connect } from 'node:net'
import { rmSync } from 'node:fs'
import { startServer } from '../../src/cli/serve'
import { resolveConfig } from '../../src/config'
import { newPlaintextKey } from '../../src/auth/service'
import { sha256Hex } from '../../src/lib/crypto'
import { newApiKeyId, newId } from '../../src/lib/ids'
import { tempDir } from '../helpers'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'
import { handshakeStatus, LiveClient } from './live-client'

let h: Harness
let wsUrl: string
let srcA: string
let srcB: string

const source = async (hh: Harness, slug: string) => (await hh.api<{ source: { id: string } }>('POST', '/v1/sources', { name: slug, slug })).body.source.id

async function open(key = h.key, url = wsUrl): Promise<LiveClient> {
	const c = new LiveClient(url, { authorization: `Bearer ${key}` })
	await c.opened
	await c.until((ms) => ms.some((m) => m.type === 'welcome'))
	return c
}

beforeAll(async () => {
	h = await startHarness({ 'live-heartbeat-ms': '100' })
	wsUrl = `${h.url.replace('http', 'ws')}/v1/ws`
	srcA = await source(h, 'live-a')
	srcB = await source(h, 'live-b')
})
afterAll(() => h.close())

describe('/v1/ws authentication', () => {
	it('answers 401 before upgrading without a valid key', async () => {
		expect(await handshakeStatus(wsUrl)).toBe(401)
		expect(await handshakeStatus(`${wsUrl}?token=hs_live_bad`)).toBe(401)
		expect(await handshakeStatus(wsUrl, { authorization: `Bearer hs_live_${'0'.repeat(64)}` })).toBe(401)
	})

	it('accepts ?token=, Bearer and X-API-Key, and welcomes with org and environment', async () => {
		const key = await h.server.ctx.store.apiKeys.list()
		for (const c of [new LiveClient(`${wsUrl}?token=${h.key}`), new LiveClient(wsUrl, { authorization: `Bearer ${h.key}` }), new LiveClient(wsUrl, { 'x-api-key': h.key })]) {
			await c.opened
			const [welcome] = await c.until((ms) => ms.length > 0)
			expect(welcome).toMatchObject({ type: 'welcome', org_id: key[0]?.org_id, env_id: key[0]?.env_id, heartbeat_ms: 100 })
			c.close()
		}
	})
})

describe('/v1/ws revocation', () => {
	it('closes open streams with 4401 once their key is revoked', async () => {
		const made = await h.server.ctx.keys.createKey('short-lived')
		const c = await open(made.key)
		await c.subscribe('events')
		const other = await open()
		await h.server.ctx.keys.revoke(made.id)
		expect(await c.closed).toBe(4401)
		other.send({ type: 'ping' })
		await other.until((ms) => ms.some((m) => m.type === 'pong'))
		other.close()
	})
})

describe('/v1/ws channels', () => {
	it('delivers only subscribed channels, with exact bodies, until unsubscribed', async () => {
		const c = await open()
		expect(await c.subscribe(`events:${srcA}`)).toMatchObject({ type: 'subscribed', replayed: 0 })
		const text = await h.send(srcA, '{"a":"é"}', { 'x-custom': 'yes' })
		await h.send(srcB, '{"b":1}')
		const binary = new Uint8Array([0, 255, 1, 254, 0x80])
		const res = await fetch(`${h.url}/v1/ingest/${srcA}?x=1&x=2`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: binary })
		const binId = ((await res.json()) as { event_id: string }).event_id
		await c.until(() => c.eventIds().length === 2)
		const [first, second] = c.of('event').map((m) => m.data as Record<string, unknown>)
		expect(first).toMatchObject({ id: text, source_id: srcA, method: 'POST', body: '{"a":"é"}', body_encoding: 'utf8' })
		expect((first?.headers as Record<string, string>)['x-custom']).toBe('yes')
		expect(second).toMatchObject({ id: binId, method: 'PUT', body_encoding: 'base64', query_params: { x: ['1', '2'] } })
		expect(new Uint8Array(Buffer.from(String(second?.body), 'base64'))).toEqual(binary)
		expect(c.of('event').every((m) => m.channel === `events:${srcA}`)).toBe(true)

		c.send({ type: 'unsubscribe', channel: `events:${srcA}` })
		await c.until((ms) => ms.some((m) => m.type === 'unsubscribed'))
		await h.send(srcA, '{"after":1}')
		// A ping after the ingest returns only once the server has handled both: nothing arrived in between.
		c.send({ type: 'ping' })
		await c.until((ms) => ms.some((m) => m.type === 'pong'))
		expect(c.eventIds()).toEqual([text, binId])
		c.close()
	})

	it('refuses bad channels, bad since and junk messages with an error frame', async () => {
		const c = await open()
		expect(await c.subscribe('events:nope')).toMatchObject({ type: 'error', code: 'bad_channel' })
		c.send({ type: 'subscribe', channel: 'events', since: 'yesterday' })
		await c.until((ms) => ms.some((m) => m.code === 'bad_since'))
		c.ws.send('not json')
		await c.until((ms) => ms.filter((m) => m.code === 'bad_message').length === 1)
		c.send({ type: 'unsubscribe', channel: 'events' })
		await c.until((ms) => ms.some((m) => m.code === 'not_subscribed'))
		c.close()
	})

	it('sends heartbeats', async () => {
		const c = await open()
		await c.until((ms) => ms.filter((m) => m.type === 'heartbeat').length >= 2)
		c.close()
	})

	it('never sends another environment\'s events', async () => {
		const env = await h.server.ctx.store.tenancy.ensureDefault({ orgId: newId('org'), envId: newId('env') }, { org: 'Other', env: 'Other', envSlug: 'other-live' }, Date.now())
		const otherKey = newPlaintextKey()
		await h.server.ctx.store.apiKeys.insert({ id: newApiKeyId(), org_id: env.org_id, env_id: env.id, name: 'o', key_hash: sha256Hex(otherKey), key_prefix: otherKey.slice(0, 12), created_at: Date.now() })
		const other = await open(otherKey)
		expect(other.messages[0]).toMatchObject({ org_id: env.org_id, env_id: env.id })
		await other.subscribe('events')
		// Naming a source of another environment does not reach it either.
		await other.subscribe(`events:${srcA}`)
		const mine = await open()
		await mine.subscribe('events')
		const id = await h.send(srcA, '{"secret":true}')
		await mine.until(() => mine.eventIds().includes(id))
		other.send({ type: 'ping' })
		await other.until((ms) => ms.some((m) => m.type === 'pong'))
		expect(other.of('event')).toEqual([])
		other.close()
		mine.close()
	})
})

describe('/v1/ws deliveries and issues', () => {
	it('sends each recorded attempt on deliveries[:<destination_id>] and the issue it opens on issues', async () => {
		const rx = new Receiver().otherwise({ status: 500 })
		const { sourceId, destinationId } = await pipeline(h, 'live-dlv', { url: rx.url, retry_max_attempts: 1, circuit_breaker_enabled: false })
		const c = await open()
		await c.subscribe(`deliveries:${destinationId}`)
		await c.subscribe('deliveries:dst_00000000000000000000000000000000')
		await c.subscribe('issues')
		const eventId = await h.send(sourceId, '{"fail":true}')
		await c.until((ms) => ms.some((m) => m.type === 'issue'))
		const deliveries = c.of('delivery')
		expect(deliveries).toHaveLength(1)
		expect(deliveries[0]).toMatchObject({ channel: `deliveries:${destinationId}`, data: { event_id: eventId, destination_id: destinationId, response_status: 500, status: 'failed' } })
		expect(c.of('issue')[0]).toMatchObject({ channel: 'issues', data: { destination_id: destinationId, error_type: 'http_5xx' } })
		c.close()
		await rx.stop()
	})
})

describe('/v1/ws resume', () => {
	it('replays what came after since, then goes live, with no duplicate and no hole at the seam', async () => {
		const src = await source(h, 'seam')
		const before: string[] = []
		for (let i = 0; i < 5; i++) before.push(await h.send(src, `{"i":${i}}`))
		const c = await open()
		// Ingest keeps running while the subscription replays.
		let stop = false
		const during: Promise<string>[] = []
		const sender = (async () => {
			for (let i = 0; !stop && i < 200; i++) {
				during.push(h.send(src, `{"during":${i}}`))
				await Bun.sleep(1)
			}
		})()
		const ack = await c.subscribe(`events:${src}`, before[1])
		expect(ack.type).toBe('subscribed')
		stop = true
		await sender
		const sent = await Promise.all(during)
		const all = [...before.slice(2), ...sent]
		await c.until(() => c.eventIds().length >= all.length)
		await Bun.sleep(50)
		const got = c.eventIds()
		expect(new Set(got).size).toBe(got.length)
		expect(got.toSorted()).toEqual(all.toSorted())
		expect(got.slice(0, 3)).toEqual(before.slice(2))
		c.close()
	})

	it('replays at most 1000 events, then a gap notice says where to resume', async () => {
		const src = await source(h, 'gap')
		const ids = await Promise.all(Array.from({ length: 1003 }, (_, i) => h.send(src, `{"n":${i}}`)))
		ids.sort()
		const first = ids[0] as string
		const c = await open()
		await c.subscribe(`events:${src}`, first)
		expect(c.eventIds()).toEqual(ids.slice(1, 1001))
		const gap = c.of('gap')[0]
		expect(gap).toMatchObject({ channel: `events:${src}`, replayed: 1000, resume_since: ids[1000] })
		c.messages.length = 0
		await c.subscribe(`events:${src}`, String(gap?.resume_since))
		expect(c.eventIds()).toEqual(ids.slice(1001))
		c.close()
	}, 30000)

	it('bounds a replay by body bytes too, so a client far behind large events resumes page by page', async () => {
		const src = await source(h, 'gap-bytes')
		const big = (i: number) => JSON.stringify({ n: i, pad: 'x'.repeat(600_000) })
		const ids: string[] = []
		for (let i = 0; i < 7; i++) ids.push(await h.send(src, big(i)))
		const c = await open()
		await c.subscribe(`events:${src}`, ids[0])
		const gap = c.of('gap')[0]
		// 2 MiB of bodies per replay (half of --live-max-buffered-bytes): the 4th event crosses it and is the last.
		expect(gap).toMatchObject({ channel: `events:${src}`, replayed: 4, resume_since: ids[4] })
		expect(c.eventIds()).toEqual(ids.slice(1, 5))
		c.messages.length = 0
		await c.subscribe(`events:${src}`, String(gap?.resume_since))
		expect(c.eventIds()).toEqual(ids.slice(5))
		expect(c.of('gap')).toHaveLength(0)
		expect(((c.of('event')[0]?.data as { body: string }).body).length).toBe(big(5).length)
		c.close()
	}, 30000)
})

describe('/v1/ws backpressure', () => {
	it('disconnects a client that stops reading instead of buffering without bound', async () => {
		const hb = await startHarness({ 'live-max-buffered-bytes': '65536' })
		const src = await source(hb, 'slow')
		const socket = connect(hb.server.port, '127.0.0.1')
		await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
		socket.write(`GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:${hb.server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${hb.key}\r\n\r\n`)
		const head = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))))
		expect(head).toStartWith('HTTP/1.1 101')
		// A masked client text frame: {"type":"subscribe","channel":"events"}
		const payload = Buffer.from(JSON.stringify({ type: 'subscribe', channel: 'events' }))
		const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload])
		socket.write(frame)
		await hb.until(async () => (hb.server.ctx.live.connectionCount === 1 ? true : undefined))
		await Bun.sleep(50)
		socket.pause() // stops reading: the kernel buffers fill, then the server's
		const big = JSON.stringify({ pad: 'x'.repeat(60_000) })
		let sent = 0
		while (hb.server.ctx.live.connectionCount > 0 && sent < 2000) {
			await Promise.all(Array.from({ length: 20 }, () => hb.send(src, big)))
			sent += 20
		}
		expect(hb.server.ctx.live.connectionCount).toBe(0)
		expect(sent).toBeGreaterThan(0)
		expect(sent).toBeLessThan(2000)
		socket.destroy()
		await hb.close()
	}, 60000)
})

describe('/v1/ws resume across a restart', () => {
	it('receives every event sent while disconnected, once, in order', async () => {
		const dir = tempDir('hookstream-live-')
		const config = resolveConfig({ port: '0', host: '127.0.0.1', 'data-dir': dir, 'log-level': 'error' }, {})
		let server = await startServer(config)
		const { key } = await server.ctx.keys.createKey('r')
		const src = (await (await fetch(`${server.url}/v1/sources`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '{"name":"r","slug":"r"}' })).json() as { source: { id: string } }).source.id
		const send = async (body: string) => ((await (await fetch(`${server.url}/v1/ingest/${src}`, { method: 'POST', body })).json()) as { event_id: string }).event_id
		let c = await open(key, `${server.url.replace('http', 'ws')}/v1/ws`)
		await c.subscribe('events')
		const seen = [await send('1')]
		await c.until(() => c.eventIds().length === 1)
		await server.stop()
		expect(await c.closed).toBe(1001)
		server = await startServer(config)
		const missed = [await send('2'), await send('3'), await send('4')]
		c = await open(key, `${server.url.replace('http', 'ws')}/v1/ws`)
		await c.subscribe('events', c.eventIds().at(-1) ?? seen[0])
		const live = await send('5')
		await c.until(() => c.eventIds().length === 4)
		await Bun.sleep(30)
		expect(c.eventIds()).toEqual([...missed, live])
		c.close()
		await server.stop()
		rmSync(dir, { recursive: true, force: true })
	})
})
