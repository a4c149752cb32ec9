import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { resolveConfig } from '../../src/config'
import { type AppContext, createContext } from '../../src/context'
import { createApp } from '../../src/http/app'
import { createFetch } from '../../src/http/server'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_ENCRYPTION_KEY, TEST_PG_URL, type TestDatabase } from '../support/pg'
import { pipeline, startHarness } from './harness'
import { Receiver } from './receiver'
import { STATUS } from '../../src/events/repo-sql'
import { until } from '../support/poll'

/**
 * Two hookstream instances (two AppContexts, each with its worker running) on one
 * PostgreSQL database, ingesting on both and delivering to a real local receiver:
 * each destination is served by the one instance that owns it, so nothing is sent
 * twice and a destination with destination concurrency 1 keeps its order; when one
 * instance dies, the other takes its destinations over once their leases run out.
 */

/** A loopback receiver that can hold its answers (a gate) while it records what arrives. */
class GatedReceiver {
	readonly received: { path: string; body: string }[] = []
	#open = true
	readonly #held: (() => void)[] = []
	readonly server = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		fetch: async (req) => {
			this.received.push({ path: new URL(req.url).pathname, body: await req.text() })
			if (!this.#open) await new Promise<void>((resolve) => this.#held.push(resolve))
			return new Response('ok')
		}
	})

	get url(): string {
		return `http://127.0.0.1:${this.server.port}`
	}

	get held(): number {
		return this.#held.length
	}

	hold(): void {
		this.#open = false
	}

	release(): void {
		this.#open = true
		for (const answer of this.#held.splice(0)) answer()
	}
}

interface Instance {
	ctx: AppContext
	call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>
	close(): Promise<void>
}

async function instance(db: TestDatabase, key: string | null): Promise<Instance & { key: string }> {
	const dir = tempDir('hookstream-instance-')
	const config = resolveConfig({
		'data-dir': dir, 'database-url': db.url, 'encryption-key': TEST_ENCRYPTION_KEY, 'log-level': 'silent', 'allow-private-destinations': true,
		'retry-unit-ms': '1', 'destination-concurrency': '1', 'destination-lease-ms': '1500', 'housekeeping-interval-ms': '100'
	}, {})
	const ctx = await createContext(config)
	const fetch = createFetch(ctx, createApp(ctx))
	const apiKey = key ?? (await ctx.keys.createKey('instances')).key
	await ctx.startBackground()
	const server = { requestIP: () => ({ address: '127.0.0.1', family: 'IPv4', port: 40000 }) }
	return {
		ctx, key: apiKey,
		async call(method, path, body) {
			const headers: Record<string, string> = { 'x-api-key': apiKey }
			if (body !== undefined) headers['content-type'] = 'application/json'
			const res = await fetch(new Request(`http://localhost${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), server as never)
			if (!res) throw new Error('unexpected upgrade')
			return { status: res.status, body: (await res.json()) as never }
		},
		async close() {
			await ctx.close()
			rmSync(dir, { recursive: true, force: true })
		}
	}
}

/** Per destination path, the bodies received, in arrival order. */
function byPath(received: { path: string; body: string }[]): Map<string, string[]> {
	const out = new Map<string, string[]>()
	for (const r of received) out.set(r.path, [...(out.get(r.path) ?? []), r.body])
	return out
}

const PATHS = ['/d0', '/d1', '/d2']

describe.skipIf(!TEST_PG_URL)('two instances on one PostgreSQL database', () => {
	let db: TestDatabase
	let a: Instance
	let b: Instance
	const rx = new GatedReceiver()
	let sourceId = ''
	const sent: string[] = []

	/** Sends one event through `via`; the next send is stamped at a later millisecond, so send order is due order. */
	async function send(via: Instance, body: string): Promise<void> {
		const res = await via.call<{ event_id: string }>('POST', `/v1/ingest/${sourceId}`, JSON.parse(body))
		expect(res.status).toBe(200)
		sent.push(body)
		const at = Date.now()
		while (Date.now() <= at) await Bun.sleep(1)
	}

	/** Events not delivered yet, read through `via`'s pool. */
	const pending = async (via: Instance): Promise<number> => {
		const backend = via.ctx.store.backend
		if (backend.kind !== 'postgres') throw new Error('not on PostgreSQL')
		const row = await backend.pg.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events e WHERE ${STATUS} <> 'delivered'`)
		return row?.n ?? -1
	}

	beforeAll(async () => {
		db = await createTestDatabase()
		a = await instance(db, null)
		b = await instance(db, (a as Instance & { key: string }).key)
		const source = await a.call<{ source: { id: string } }>('POST', '/v1/sources', { name: 'two', slug: 'two' })
		sourceId = source.body.source.id
		for (const [i, path] of PATHS.entries()) {
			const d = await b.call<{ destination: { id: string } }>('POST', '/v1/destinations', { name: `d${i}`, slug: `d${i}`, url: `${rx.url}${path}` })
			expect(d.status).toBe(201)
			const c = await a.call('POST', '/v1/connections', { name: `c${i}`, source_id: sourceId, destination_id: d.body.destination.id })
			expect(c.status).toBe(201)
		}
	})

	afterAll(async () => {
		await a?.close().catch(() => {})
		await b?.close().catch(() => {})
		rx.server.stop(true)
		await db?.drop()
	})

	it('delivers every event ingested on either instance once, in order per destination', async () => {
		const n = 40
		for (let i = 0; i < n; i++) await send(i % 2 === 0 ? a : b, JSON.stringify({ phase: 1, seq: i }))
		await until(() => rx.received.length >= n * PATHS.length, { what: 'every delivery', timeoutMs: 20_000 })
		await Promise.all([a.ctx.worker.settled(), b.ctx.worker.settled()])
		expect(rx.received).toHaveLength(n * PATHS.length)
		for (const path of PATHS) expect(byPath(rx.received).get(path)).toEqual(sent)
		expect(await pending(a)).toBe(0)
		// Each destination had one owner at a time: never both instances at once.
		const owned = [...a.ctx.worker.ownedDestinations(), ...b.ctx.worker.ownedDestinations()]
		expect(new Set(owned).size).toBe(owned.length)
	})

	it('a dead instance\'s destinations are taken over after their leases run out; nothing is lost', async () => {
		const before = rx.received.length
		const phase1 = sent.length
		rx.hold()
		const m = 15
		for (let i = 0; i < m; i++) await send(i % 2 === 0 ? a : b, JSON.stringify({ phase: 2, seq: i }))
		// Every destination's owner has its first request out (concurrency 1: one each), held unanswered.
		await until(() => rx.held >= PATHS.length, { what: 'a request in flight per destination', timeoutMs: 20_000 })
		const [victim, survivor] = a.ctx.worker.ownedDestinations().length >= b.ctx.worker.ownedDestinations().length ? [a, b] : [b, a]
		const victimOwned = victim.ctx.worker.ownedDestinations()
		expect(victimOwned.length).toBeGreaterThan(0)
		// Death, not a stop: no lease is released, the requests in flight are never recorded.
		victim.ctx.worker.halt()
		await victim.close()
		rx.release()
		await until(async () => (await pending(survivor)) === 0, { what: 'the survivor to deliver the rest', timeoutMs: 20_000 })
		await survivor.ctx.worker.settled()
		const phase2 = rx.received.slice(before)
		const bodies = sent.slice(phase1)
		const duplicates = phase2.length - new Set(phase2.map((r) => `${r.path} ${r.body}`)).size
		console.log(`takeover: ${victimOwned.length} destination(s) moved, ${phase2.length} requests for ${bodies.length * PATHS.length} deliveries, ${duplicates} duplicate(s)`)
		for (const path of PATHS) {
			// At least once, and in order: the first arrival of each event follows the send order.
			const got = byPath(phase2).get(path) ?? []
			expect([...new Set(got)]).toEqual(bodies)
		}
		// Only what the dead instance had in flight (one request per destination it owned) went out twice.
		expect(duplicates).toBeLessThanOrEqual(victimOwned.length)
	})
})

describe('destination ownership on one instance (either engine)', () => {
	it('an idle destination is given up, and taken again with the breaker state storage holds then', async () => {
		const h = await startHarness({ 'destination-lease-ms': '300' })
		const rx = new Receiver()
		try {
			const { sourceId, destinationId } = await pipeline(h, 'own', { url: rx.url, circuit_breaker_reset_ms: 600_000 })
			await h.send(sourceId, '{"n":1}')
			await rx.waitFor(1)
			const worker = h.server.ctx.worker
			// Owned while it had work; given up once idle for a third of the lease (checked between passes).
			await h.until(async () => {
				worker.wake()
				return worker.ownedDestinations().includes(destinationId) ? undefined : true
			})
			// Meanwhile the breaker moved under another owner: open, no probe for ten minutes.
			const openedAt = Date.now()
			await h.server.ctx.store.deliveries.setCircuit(destinationId, { state: 'open', failure_count: 5, opened_at: openedAt, next_probe_at: openedAt + 600_000, last_transition_at: openedAt })
			const eventId = await h.send(sourceId, '{"n":2}')
			await h.until(async () => (worker.ownedDestinations().includes(destinationId) ? true : undefined))
			await worker.settled()
			// Taken again, the destination is judged by the stored breaker, not the copy from before.
			expect(rx.received).toHaveLength(1)
			expect((await h.api<{ event: { status: string } }>('GET', `/v1/events/${eventId}`)).body.event.status).toBe('pending')
		} finally {
			await rx.stop()
			await h.close()
		}
	})
})
