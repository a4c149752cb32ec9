import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { CHANGES_TOPIC } from '../../src/cluster/changes'
import { resolveConfig } from '../../src/config'
import { type AppContext, createContext, type Injected } from '../../src/context'
import { connectPg, type Pg } from '../../src/db/pg/client'
import { createApp } from '../../src/http/app'
import { createFetch } from '../../src/http/server'
import { tempDir } from '../helpers'
import { MemoryNetwork, type MemoryBus } from '../support/memory-bus'
import { createTestDatabase, TEST_ENCRYPTION_KEY, TEST_PG_URL, type TestDatabase } from '../support/pg'
import { type Harness, pipeline, startHarness } from './harness'
import { LiveClient } from './live-client'
import { Receiver } from './receiver'
import { until } from '../support/poll'

/**
 * Two hookstream servers on one database behave as one. On PostgreSQL (the conformance
 * run) they share a database and talk over LISTEN/NOTIFY as in production; on SQLite they
 * share a data dir (WAL lets two handles in) and an in-process bus with the same envelopes.
 * Workers poll once an hour here, so only a wake-up message can start a delivery promptly.
 */
const HOUR = 3_600_000
const net = new MemoryNetwork()
let db: TestDatabase | null = null
let admin: Pg | null = null
let shared: string
let a: Harness
let b: Harness
/** Each instance's in-process bus (SQLite) or the pid of its listen backend (PostgreSQL). */
const buses = new Map<Harness, MemoryBus>()
const listenPid = new Map<Harness, number>()
const receiver = new Receiver()

const listenPids = async () => (await (admin as Pg).all<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'")).map((r) => r.pid)

function flags(): Record<string, string | boolean> {
	const backend: Record<string, string> = db ? { 'database-url': db.url } : { 'data-dir': shared }
	return { ...backend, 'encryption-key': TEST_ENCRYPTION_KEY, 'live-heartbeat-ms': '200' }
}

function inject(): Injected {
	return { clusterPollMs: HOUR, ...(db ? {} : { bus: net.bus() }) }
}

beforeAll(async () => {
	shared = tempDir('hookstream-cluster-')
	if (TEST_PG_URL) {
		db = await createTestDatabase()
		admin = connectPg(db.url, { max: 1 })
	}
	for (const which of ['a', 'b'] as const) {
		const before = db ? new Set(await listenPids()) : null
		const injected = inject()
		const h = await startHarness(flags(), injected)
		if (which === 'a') a = h
		else b = h
		if (injected.bus) buses.set(h, injected.bus as MemoryBus)
		const pid = before ? (await listenPids()).find((p) => !before.has(p)) : undefined
		if (pid !== undefined) listenPid.set(h, pid)
	}
})

afterAll(async () => {
	await b?.close()
	await a?.close()
	await receiver.stop()
	await admin?.close()
	await db?.drop()
	rmSync(shared, { recursive: true, force: true })
})

async function open(h: Harness, channel: string): Promise<LiveClient> {
	const c = new LiveClient(`${h.url.replace('http', 'ws')}/v1/ws`, { authorization: `Bearer ${h.key}` })
	await c.opened
	await c.until((ms) => ms.some((m) => m.type === 'welcome'))
	expect(await c.subscribe(channel)).toMatchObject({ type: 'subscribed' })
	return c
}

/** An SSE stream on `h`: the `id:` of each event frame as it arrives. */
async function sseIds(h: Harness, path: string): Promise<{ ids: string[]; abort(): void }> {
	const ctl = new AbortController()
	const res = await fetch(`${h.url}${path}`, { headers: { 'x-api-key': h.key }, signal: ctl.signal })
	expect(res.status).toBe(200)
	const ids: string[] = []
	const decoder = new TextDecoder()
	let text = ''
	void (async () => {
		for await (const chunk of res.body as ReadableStream<Uint8Array>) {
			text += decoder.decode(chunk, { stream: true })
			let end = text.indexOf('\n\n')
			while (end >= 0) {
				const block = text.slice(0, end)
				text = text.slice(end + 2)
				if (/^event: event$/m.test(block)) ids.push(/^id: (.+)$/m.exec(block)?.[1] ?? '?')
				end = text.indexOf('\n\n')
			}
		}
	})().catch(() => {})
	return { ids, abort: () => ctl.abort() }
}

/**
 * `h`'s listen connection is lost while `during` runs (what it publishes then goes unheard by `h`),
 * then comes back: resolves once `h` has run its catch-up (the bus's onResume handlers).
 */
async function listenGap(h: Harness, during: () => Promise<void>): Promise<void> {
	const bus = buses.get(h)
	if (bus) {
		const dropped = bus.dropped
		bus.cut()
		await during()
		await until(() => bus.dropped > dropped, { what: 'a notification was dropped', timeoutMs: 2000 })
		bus.restore()
		return
	}
	const pid = listenPid.get(h)
	expect(pid).toBeDefined()
	const resumed = new Promise<void>((resolve) => {
		const off = h.server.ctx.cluster.bus.onResume(() => {
			off()
			resolve()
		})
	})
	await (admin as Pg).run('SELECT pg_terminate_backend($1)', [pid])
	await until(async () => !(await listenPids()).includes(pid as number), { what: 'the listen backend is gone', timeoutMs: 2000 })
	await during() // Bun reconnects after ≥ 250 ms: what is sent now reaches nobody listening for h
	await resumed
	const others = new Set([...listenPid].filter(([other]) => other !== h).map(([, p]) => p))
	await until(async () => (await listenPids()).some((p) => !others.has(p)), { what: 'the listen backend is back', timeoutMs: 2000 })
	listenPid.set(h, (await listenPids()).find((p) => !others.has(p)) as number)
}

const ingestStatus = async (h: Harness, sourceId: string) => (await fetch(`${h.url}/v1/ingest/${sourceId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status

describe('two instances on one database', () => {
	it('a source created on A and changed on B is seen by A’s ingest cache at once', async () => {
		const created = await a.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'shared', slug: 'cluster-shared' })
		expect(created.status).toBe(201)
		const id = created.body.source.id
		expect(await ingestStatus(a, id)).toBe(200) // A compiled and cached the source
		expect(await ingestStatus(b, id)).toBe(200)
		expect((await b.api('PATCH', `/v1/sources/${id}`, { ip_denylist: ['127.0.0.1'] })).status).toBe(200)
		expect(await ingestStatus(b, id)).toBe(403)
		const started = Date.now()
		await until(async () => (await ingestStatus(a, id)) === 403, { what: 'A refuses what B now denies', timeoutMs: 2000 })
		expect(Date.now() - started).toBeLessThan(2000)
		expect((await a.api('PATCH', `/v1/sources/${id}`, { ip_denylist: null })).status).toBe(200)
		await until(async () => (await ingestStatus(b, id)) === 200, { what: 'B accepts again what A allowed', timeoutMs: 2000 })
	})

	it('an event ingested on A reaches /v1/ws and /v1/events/stream subscribers on B (and on A), each once', async () => {
		const src = (await a.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'ws', slug: 'cluster-ws' })).body.source.id
		const onB = await open(b, `events:${src}`)
		const onA = await open(a, 'events')
		const sse = await sseIds(b, `/v1/events/stream?source_id=${src}`)
		const first = await a.send(src, '{"n":"é"}', { 'x-trace': 'one' })
		const second = await b.send(src, '{"n":2}')
		// Each instance streams its own events at once and the other's a moment later: order across instances is not kept.
		const data = (c: LiveClient, id: string) => c.of('event').find((m) => (m.data as { id: string }).id === id)?.data
		await onB.until(() => onB.eventIds().includes(first))
		expect(data(onB, first)).toMatchObject({ id: first, source_id: src, body: '{"n":"é"}', body_encoding: 'utf8', headers: expect.objectContaining({ 'x-trace': 'one' }) })
		await onA.until(() => onA.eventIds().includes(second))
		expect(data(onA, second)).toMatchObject({ id: second, source_id: src, body: '{"n":2}' })
		// A body kept out of line (over 10 KiB) is read from its own table; and had any event arrived twice, it would be seen by now.
		const big = JSON.stringify({ n: 3, pad: 'x'.repeat(20_000) })
		const third = await a.send(src, big)
		await onB.until(() => onB.eventIds().includes(third))
		await onA.until(() => onA.eventIds().includes(third))
		const sorted = [first, second, third].sort()
		expect([...onB.eventIds()].sort()).toEqual(sorted)
		expect(data(onB, third)).toMatchObject({ id: third, body: big })
		expect(onA.eventIds().filter((id) => sorted.includes(id)).sort()).toEqual(sorted)
		await until(() => sse.ids.length === 3, { what: 'the SSE stream on B got all three', timeoutMs: 5000 })
		expect([...sse.ids].sort()).toEqual(sorted)
		sse.abort()
		onA.close()
		onB.close()
	})

	it('a connection added on B routes A’s next event, and a delivery recorded by either worker reaches subscribers on both', async () => {
		const p = await pipeline(a, 'cl-route', { type: 'http', url: `${receiver.url}/route` })
		const onA = await open(a, `deliveries:${p.destinationId}`)
		const onB = await open(b, `deliveries:${p.destinationId}`)
		const src = (await a.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'late', slug: 'cl-late' })).body.source.id
		await a.send(src, '{"before":true}') // A caches the source's routes: none
		// Another instance hears of a change a moment after it commits: A's next event is routed once A has heard.
		const heard: unknown[] = []
		const off = a.server.ctx.cluster.bus.subscribe(CHANGES_TOPIC, (d) => heard.push(...(d as unknown[])))
		expect((await b.api('POST', '/v1/connections', { name: 'late', source_id: src, destination_id: p.destinationId })).status).toBe(201)
		await until(() => heard.some((c) => JSON.stringify(c) === JSON.stringify(['c', src])), { what: 'A heard of the connection', timeoutMs: 2000 })
		off()
		const n = receiver.received.length
		const event = await a.send(src, '{"after":true}')
		await receiver.waitFor(n + 1, 5000)
		expect(receiver.received.at(-1)?.body).toBe('{"after":true}')
		for (const c of [onA, onB]) await c.until((ms) => ms.some((m) => m.type === 'delivery' && (m.data as { event_id: string }).event_id === event))
		await Promise.all([a.server.ctx.worker.settled(), b.server.ctx.worker.settled()])
		for (const c of [onA, onB]) expect(c.of('delivery').filter((m) => (m.data as { event_id: string }).event_id === event).length).toBe(1)
		expect(receiver.received.filter((r) => r.body === '{"before":true}').length).toBe(0)
		onA.close()
		onB.close()
	})

	it('an instance that only ingests wakes the others’ workers: the event is delivered without waiting for a poll', async () => {
		const p = await pipeline(a, 'cl-wake', { type: 'http', url: `${receiver.url}/wake` })
		await Promise.all([a.server.ctx.worker.settled(), b.server.ctx.worker.settled()])
		const dir = tempDir('hookstream-cluster-c-')
		// A third instance without background work (no worker of its own to deliver with).
		const ctx: AppContext = await createContext(resolveConfig({ ...flags(), 'data-dir': db ? dir : shared, 'log-level': 'silent' }, {}), inject())
		// Its worker never started, but a commit would still wake it: stopped, it cannot deliver at all.
		await ctx.worker.stop(0)
		try {
			const fetchC = createFetch(ctx, createApp(ctx))
			const server = { requestIP: () => ({ address: '127.0.0.1', family: 'IPv4', port: 40000 }) }
			const n = receiver.received.filter((r) => r.path === '/wake').length
			const res = await fetchC(new Request(`http://localhost/v1/ingest/${p.sourceId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"wake":1}' }), server as never)
			expect(res?.status).toBe(200)
			await until(() => receiver.received.filter((r) => r.path === '/wake').length === n + 1, { what: 'delivered by A or B', timeoutMs: 3000 })
		} finally {
			await ctx.close()
			rmSync(dir, { recursive: true, force: true })
		}
	})

	it('after B’s listen connection is lost, B’s subscribers get what A ingested meanwhile, once', async () => {
		const src = (await a.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'gap', slug: 'cluster-gap' })).body.source.id
		const onB = await open(b, 'events')
		const before = await a.send(src, '{"gap":0}')
		await onB.until(() => onB.eventIds().includes(before))
		let missed = ''
		await listenGap(b, async () => {
			missed = await a.send(src, '{"gap":1}')
		})
		await onB.until(() => onB.eventIds().includes(missed))
		const after = await a.send(src, '{"gap":2}')
		await onB.until(() => onB.eventIds().includes(after))
		expect(onB.eventIds().filter((id) => [before, missed, after].includes(id))).toEqual([before, missed, after])
		onB.close()
	})

	it('a destination changed while an instance’s listen connection was down, with no work queued, is read afresh by it after the catch-up', async () => {
		const p = await pipeline(a, 'cl-stale', { type: 'http', url: `${receiver.url}/stale` })
		let x = b
		const delivered = (body: string) => async () => {
			await x.send(p.sourceId, body)
			await until(() => receiver.received.some((r) => r.body === body), { what: `${body} delivered`, timeoutMs: 5000 })
		}
		// On PostgreSQL only a destination's owner sends to it: x is whichever took it. On SQLite both workers may
		// send: x is B, and A's bus is cut while x ingests, so no wake-up makes A send instead.
		await (db ? delivered('{"stale":1}')() : listenGap(a, delivered('{"stale":1}')))
		await Promise.all([a.server.ctx.worker.settled(), b.server.ctx.worker.settled()])
		if (db && a.server.ctx.worker.ownedDestinations().includes(p.destinationId)) x = a
		const other = x === a ? b : a
		if (db) expect(x.server.ctx.worker.ownedDestinations()).toContain(p.destinationId)
		// x sent to /stale and holds the destination in its cache; it has no work for it, and misses the change.
		expect(await x.server.ctx.store.deliveries.destinationsWithWork()).not.toContain(p.destinationId)
		await listenGap(x, async () => {
			expect((await other.api('PATCH', `/v1/destinations/${p.destinationId}`, { url: `${receiver.url}/fresh` })).status).toBe(200)
		})
		await (db ? delivered('{"stale":2}')() : listenGap(other, delivered('{"stale":2}')))
		expect(receiver.received.filter((r) => r.body.startsWith('{"stale":')).map((r) => r.path)).toEqual(['/stale', '/fresh'])
	})
})
