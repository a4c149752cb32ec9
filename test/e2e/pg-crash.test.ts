import { afterAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { connectPg } from '../../src/db/pg/client'
import { randomHex } from '../../src/lib/crypto'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_ENCRYPTION_KEY, TEST_PG_URL, type TestDatabase } from '../support/pg'
import { freePort } from '../support/pg-server'
import { type Running, SOURCE_CLI, startProcess } from './process'
import { Receiver } from './receiver'
import { until } from '../support/poll'

/**
 * The multi-instance crash test (issue #15 item 4), PostgreSQL only (SQLite has one instance per
 * data dir; its kill -9 test is durability.test.ts): two real `hookstream serve` processes on one
 * database behind a round-robin forwarder, senders posting through it, one instance killed -9
 * and restarted several times while the other keeps going. Every event acknowledged 200 must be
 * stored and delivered at least once; duplicates are allowed (at-least-once), counted and printed.
 */
const SOURCES = 4
const SENDERS = 8
const KILLS = 4
const ADMIN_KEY = `hs_live_${randomHex(32)}`

class Instance {
	running: Running | null = null
	readonly dir = tempDir('hookstream-pg-crash-')
	constructor(
		readonly port: number,
		readonly databaseUrl: string
	) {}

	get url(): string {
		return `http://127.0.0.1:${this.port}`
	}

	async start(): Promise<void> {
		const cmd = [...SOURCE_CLI, 'serve', '--port', String(this.port), '--host', '127.0.0.1', '--database-url', this.databaseUrl, '--encryption-key', TEST_ENCRYPTION_KEY, '--data-dir', this.dir, '--no-access-log', '--allow-private-destinations', '--retry-unit-ms', '1', '--destination-lease-ms', '3000']
		this.running = await startProcess(cmd, { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY }, 30000)
	}

	async kill9(): Promise<void> {
		this.running?.proc.kill('SIGKILL')
		await this.running?.proc.exited
		this.running = null
	}

	async stop(): Promise<void> {
		await this.running?.stop()
		this.running = null
		rmSync(this.dir, { recursive: true, force: true })
	}
}

/** A tiny load balancer: request n goes to instance n mod 2; an instance that is down answers 502 through it. */
function forwarder(instances: Instance[]) {
	let next = 0
	return Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		async fetch(req) {
			const target = instances[next++ % instances.length] as Instance
			const url = new URL(req.url)
			try {
				const res = await fetch(`${target.url}${url.pathname}${url.search}`, { method: req.method, headers: req.headers, body: req.body ? await req.arrayBuffer() : undefined })
				return new Response(await res.arrayBuffer(), { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'text/plain' } })
			} catch {
				return new Response('upstream unavailable', { status: 502 })
			}
		}
	})
}

/** Sources, each with its own destination on the receiver (so ownership can split across the instances). */
async function pipelines(base: string, receiver: Receiver): Promise<string[]> {
	const post = async <T>(path: string, body: unknown): Promise<T> => {
		const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) })
		if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`)
		return (await res.json()) as T
	}
	const ids: string[] = []
	for (let n = 0; n < SOURCES; n++) {
		const { source } = await post<{ source: { id: string } }>('/v1/sources', { name: `crash ${n}`, slug: `crash-${n}` })
		const { destination } = await post<{ destination: { id: string } }>('/v1/destinations', { name: `crash ${n}`, slug: `crash-${n}`, url: `${receiver.url}/d${n}` })
		await post('/v1/connections', { name: `crash ${n}`, source_id: source.id, destination_id: destination.id })
		ids.push(source.id)
	}
	return ids
}

/** Events in the database among `ids` (stored = committed, whatever instance took them). */
async function storedCount(url: string, ids: string[]): Promise<number> {
	const pg = connectPg(url, { max: 1 })
	try {
		const row = await pg.get<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE id = ANY($1::text[])', [ids])
		return row?.n ?? 0
	} finally {
		await pg.close()
	}
}

describe.skipIf(!TEST_PG_URL)('two instances on one PostgreSQL database, kill -9 under load', () => {
	let db: TestDatabase | null = null
	const instances: Instance[] = []
	const receiver = new Receiver()
	let lb: ReturnType<typeof forwarder> | null = null
	afterAll(async () => {
		for (const i of instances) await i.stop().catch(() => {})
		await lb?.stop(true)
		await receiver.stop()
		await db?.drop()
	})

	it('loses no acknowledged event: every one stored and delivered at least once; duplicates reported', async () => {
		db = await createTestDatabase()
		instances.push(new Instance(await freePort(), db.url), new Instance(await freePort(), db.url))
		// One after the other: the first applies the migrations and creates the admin key.
		for (const i of instances) await i.start()
		lb = forwarder(instances)
		const base = `http://127.0.0.1:${lb.port}`
		const sources = await pipelines(base, receiver)

		const acknowledged: string[] = []
		let refused = 0
		let stop = false
		const senders = Array.from({ length: SENDERS }, async (_, w) => {
			for (let i = 0; !stop; i++) {
				const source = sources[(w + i) % SOURCES] as string
				const res = await fetch(`${base}/v1/ingest/${source}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ w, i, pad: 'x'.repeat(256) }) }).catch(() => null)
				if (res && (res.status === 200 || res.status === 201)) acknowledged.push(((await res.json()) as { event_id: string }).event_id)
				else {
					refused++
					await res?.arrayBuffer()
				}
			}
		})

		for (let k = 0; k < KILLS; k++) {
			const victim = instances[k % 2] as Instance
			const before = acknowledged.length
			await until(() => acknowledged.length >= before + 150, { what: `150 more events acknowledged before kill ${k + 1}`, timeoutMs: 60000 })
			await victim.kill9()
			// The survivor keeps acknowledging while its peer is down.
			const down = acknowledged.length
			await until(() => acknowledged.length >= down + 100, { what: `the surviving instance acknowledging alone after kill ${k + 1}`, timeoutMs: 60000 })
			await victim.start()
		}
		const last = acknowledged.length
		await until(() => acknowledged.length >= last + 150, { what: 'both instances serving after the last restart', timeoutMs: 60000 })
		stop = true
		await Promise.all(senders)

		const expected = new Set(acknowledged)
		const missingDeliveries = () => {
			const delivered = new Set(receiver.received.map((r) => r.headers['x-hookstream-event-id']))
			return [...expected].filter((id) => !delivered.has(id))
		}
		let missing: string[] = []
		await until(() => (missing = missingDeliveries()).length === 0, { what: 'every acknowledged event delivered', timeoutMs: 120000 }).catch(() => {})
		const stored = await storedCount(db.url, [...expected])
		const seen = new Map<string, number>()
		for (const r of receiver.received) {
			const id = r.headers['x-hookstream-event-id'] as string
			seen.set(id, (seen.get(id) ?? 0) + 1)
		}
		const duplicates = [...seen.values()].reduce((sum, n) => sum + n - 1, 0)
		console.log(`pg-crash: ${KILLS} kills, ${expected.size} acknowledged, ${stored} of them stored, ${expected.size - missing.length} delivered, ${receiver.received.length} deliveries in all, ${duplicates} duplicates (${[...seen.values()].filter((n) => n > 1).length} events delivered more than once), ${refused} requests refused while an instance was down`)
		expect(expected.size).toBe(acknowledged.length) // ids are unique
		expect(expected.size).toBeGreaterThan(KILLS * 250)
		expect({ stored, undelivered: missing.slice(0, 5), undeliveredCount: missing.length }).toEqual({ stored: expected.size, undelivered: [], undeliveredCount: 0 })
	}, 420000)
})
