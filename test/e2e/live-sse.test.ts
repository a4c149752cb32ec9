import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { connect } from 'node:net'
import { type Harness, startHarness } from './harness'
import { until } from '../support/poll'

let h: Harness
let srcA: string
let srcB: string

interface SseEvent {
	id?: string
	event: string
	data: Record<string, unknown>
}

/** Reads a text/event-stream response into parsed events as they arrive. */
function reader(res: Response) {
	const events: SseEvent[] = []
	const decoder = new TextDecoder()
	let buffer = ''
	const done = (async () => {
		for await (const chunk of res.body as ReadableStream<Uint8Array>) {
			buffer += decoder.decode(chunk, { stream: true })
			let end = buffer.indexOf('\n\n')
			while (end >= 0) {
				const block = buffer.slice(0, end)
				buffer = buffer.slice(end + 2)
				const fields = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]))
				if (fields.data !== undefined) events.push({ id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) as Record<string, unknown> })
				end = buffer.indexOf('\n\n')
			}
		}
	})().catch(() => {})
	return {
		events,
		done,
		ids: () => events.filter((e) => e.event === 'event').map((e) => e.id),
		until: (check: () => boolean) => until(check, { detail: () => `got ${JSON.stringify(events.map((e) => e.event))}` })
	}
}

beforeAll(async () => {
	h = await startHarness({ 'live-heartbeat-ms': '100' })
	srcA = (await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'a', slug: 'sse-a' })).body.source.id
	srcB = (await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'b', slug: 'sse-b' })).body.source.id
})
afterAll(() => h.close())

describe('GET /v1/events/stream', () => {
	it('needs a key (header or ?token=) and checks its parameters', async () => {
		const none = await fetch(`${h.url}/v1/events/stream`)
		expect(none.status).toBe(401)
		expect(await none.json()).toMatchObject({ status: 401, error: expect.any(String), request_id: expect.any(String) })
		expect((await fetch(`${h.url}/v1/events/stream?token=hs_live_nope`)).status).toBe(401)
		expect((await fetch(`${h.url}/v1/events/stream?since=yesterday`, { headers: { 'x-api-key': h.key } })).status).toBe(400)
		expect((await fetch(`${h.url}/v1/events/stream?colour=red`, { headers: { 'x-api-key': h.key } })).status).toBe(400)
		expect((await fetch(`${h.url}/v1/events/stream`, { headers: { 'x-api-key': h.key, 'last-event-id': 'nope' } })).status).toBe(400)
	})

	it('holds at most 20 streams per key: the 21st is a 429 envelope until one ends', async () => {
		const me = await h.server.ctx.keys.authenticate(h.key)
		const { key } = await h.server.ctx.keys.createFor(me.orgId, me.envId, 'many streams')
		const controllers = Array.from({ length: 20 }, () => new AbortController())
		const open = await Promise.all(controllers.map((c) => fetch(`${h.url}/v1/events/stream?token=${key}`, { signal: c.signal })))
		expect(open.map((r) => r.status)).toEqual(Array(20).fill(200))
		const refused = await fetch(`${h.url}/v1/events/stream`, { headers: { 'x-api-key': key } })
		expect(refused.status).toBe(429)
		expect(await refused.json()).toMatchObject({ status: 429, error: expect.stringContaining('20'), request_id: expect.any(String) })
		// Another key is not affected.
		const other = new AbortController()
		expect((await fetch(`${h.url}/v1/events/stream`, { headers: { 'x-api-key': h.key }, signal: other.signal })).status).toBe(200)
		other.abort()
		controllers[0]?.abort()
		const again = await h.until(async () => {
			const c = new AbortController()
			const res = await fetch(`${h.url}/v1/events/stream?token=${key}`, { signal: c.signal })
			if (res.status === 200) return c
			await res.body?.cancel()
			return undefined
		})
		again.abort()
		for (const c of controllers) c.abort()
		await h.until(async () => (h.server.ctx.live.connectionCount === 0 ? true : undefined))
	})

	it('streams filtered events with exact bodies and heartbeats', async () => {
		const controller = new AbortController()
		const res = await fetch(`${h.url}/v1/events/stream?source_id=${srcA}&token=${h.key}`, { signal: controller.signal })
		expect(res.status).toBe(200)
		expect(res.headers.get('content-type')).toStartWith('text/event-stream')
		const r = reader(res)
		await r.until(() => r.events.some((e) => e.event === 'welcome'))
		await h.send(srcB, '{"other":1}')
		const binary = new Uint8Array([0xff, 0, 0xfe])
		const a = ((await (await fetch(`${h.url}/v1/ingest/${srcA}`, { method: 'POST', body: binary })).json()) as { event_id: string }).event_id
		await r.until(() => r.ids().length === 1 && r.events.some((e) => e.event === 'heartbeat'))
		const ev = r.events.find((e) => e.event === 'event') as SseEvent
		expect(ev.id).toBe(a)
		expect(ev.data).toMatchObject({ type: 'event', channel: `events:${srcA}`, data: { id: a, body_encoding: 'base64', body: Buffer.from(binary).toString('base64') } })
		controller.abort()
		await h.until(async () => (h.server.ctx.live.connectionCount === 0 ? true : undefined))
	})

	it('resumes after Last-Event-ID with what was missed, then live', async () => {
		const first = await h.send(srcB, '{"n":1}')
		const missed = [await h.send(srcB, '{"n":2}'), await h.send(srcB, '{"n":3}')]
		const controller = new AbortController()
		const res = await fetch(`${h.url}/v1/events/stream?source_id=${srcB}&method=post`, { headers: { 'x-api-key': h.key, 'last-event-id': first }, signal: controller.signal })
		const r = reader(res)
		await r.until(() => r.ids().length === 2)
		const live = await h.send(srcB, '{"n":4}')
		await r.until(() => r.ids().length === 3)
		expect(r.ids()).toEqual([...missed, live])
		controller.abort()
	})
})

describe('GET /v1/events/stream backpressure', () => {
	it('keeps a reader that drains a burst larger than the soft limit', async () => {
		const hb = await startHarness({ 'live-max-buffered-bytes': '65536', 'live-heartbeat-ms': '50' })
		const src = (await hb.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 's', slug: 'burst-sse' })).body.source.id
		const controller = new AbortController()
		const r = reader(await fetch(`${hb.url}/v1/events/stream`, { headers: { 'x-api-key': hb.key }, signal: controller.signal }))
		await r.until(() => r.events.some((e) => e.event === 'welcome'))
		const big = JSON.stringify({ pad: 'y'.repeat(50_000) })
		await Promise.all(Array.from({ length: 8 }, () => hb.send(src, big)))
		await r.until(() => r.ids().length === 8 && r.events.filter((e) => e.event === 'heartbeat').length >= 3)
		expect(hb.server.ctx.live.connectionCount).toBe(1)
		controller.abort()
		await hb.close()
	})

	it('ends the stream of a reader that stops reading', async () => {
		const hb = await startHarness({ 'live-max-buffered-bytes': '65536' })
		const src = (await hb.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 's', slug: 'slow-sse' })).body.source.id
		const socket = connect(hb.server.port, '127.0.0.1')
		await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
		socket.write(`GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${hb.key}\r\n\r\n`)
		const head = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))))
		expect(head).toStartWith('HTTP/1.1 200')
		await hb.until(async () => (hb.server.ctx.live.connectionCount === 1 ? true : undefined))
		socket.pause()
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
