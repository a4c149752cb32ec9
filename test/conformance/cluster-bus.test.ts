import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { BUS_CHANNEL, type ClusterBus, createLocalBus, createPgBus, envelopesOf, MAX_ENVELOPE_BYTES } from '../../src/cluster/bus'
import { connectPg, type Pg } from '../../src/db/pg/client'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../support/pg'
import { until } from '../support/poll'

describe('cluster bus envelopes', () => {
	it('keeps a small payload in one envelope', () => {
		const [one, ...rest] = envelopesOf('wake', 'i_a', ['dst_1', 'dst_2'])
		expect(rest).toEqual([])
		expect(JSON.parse(one as string)).toEqual({ t: 'wake', from: 'i_a', d: ['dst_1', 'dst_2'] })
	})

	it('cuts a large array into slices under the limit that add up to the whole, in order', () => {
		const ids = Array.from({ length: 3000 }, (_, i) => `evt_${i.toString(16).padStart(32, '0')}`)
		const texts = envelopesOf('live.events', 'i_a', ids)
		expect(texts.length).toBeGreaterThan(10)
		for (const t of texts) expect(Buffer.byteLength(t)).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES)
		const parsed = texts.map((t) => JSON.parse(t) as { t: string; from: string; d: string[] })
		expect(parsed.every((p) => p.t === 'live.events' && p.from === 'i_a')).toBe(true)
		expect(parsed.flatMap((p) => p.d)).toEqual(ids)
		// Greedy: no slice could have taken the next item.
		for (let i = 0; i + 1 < texts.length; i++) expect(Buffer.byteLength(texts[i] as string) + 1 + JSON.stringify(parsed[i + 1]?.d[0]).length).toBeGreaterThan(MAX_ENVELOPE_BYTES)
	})

	it('counts bytes, not characters', () => {
		const items = Array.from({ length: 400 }, () => 'é'.repeat(20))
		for (const t of envelopesOf('x', 'i_a', items)) expect(Buffer.byteLength(t)).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES)
	})

	it('refuses what cannot be cut: a large object, or one item too large', () => {
		expect(() => envelopesOf('x', 'i_a', { blob: 'a'.repeat(9000) })).toThrow(/send ids/)
		expect(() => envelopesOf('x', 'i_a', ['a'.repeat(9000)])).toThrow(/too large/)
	})

	it('the local bus (SQLite, one instance) delivers nothing and needs nothing', async () => {
		const bus = createLocalBus()
		let got = 0
		bus.subscribe('t', () => got++)
		await bus.publish('t', [1])
		expect(bus.remote).toBe(false)
		expect(got).toBe(0)
		await bus.close()
	})
})

describe.skipIf(!TEST_PG_URL)('cluster bus on PostgreSQL (two pools, one database)', () => {
	let db: TestDatabase
	let pgA: Pg
	let pgB: Pg
	let admin: Pg
	let a: ClusterBus
	let b: ClusterBus
	let listenPidB: number

	const listenPids = async () => (await admin.all<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'")).map((r) => r.pid)

	beforeAll(async () => {
		db = await createTestDatabase()
		pgA = connectPg(db.url, { max: 2 })
		pgB = connectPg(db.url, { max: 2 })
		admin = connectPg(db.url, { max: 1 })
		a = await createPgBus(pgA.sql)
		const before = new Set(await listenPids())
		b = await createPgBus(pgB.sql)
		const fresh = (await listenPids()).filter((p) => !before.has(p))
		expect(fresh.length).toBe(1)
		listenPidB = fresh[0] as number
	})
	afterAll(async () => {
		await a?.close()
		await b?.close()
		for (const p of [pgA, pgB, admin]) await p?.close()
		await db?.drop()
	})

	it('delivers to the other instance, with the sender id, and never back to the sender', async () => {
		const atB: { d: unknown; from: string }[] = []
		const atA: unknown[] = []
		const offB = b.subscribe('hello', (d, from) => atB.push({ d, from }))
		const offA = a.subscribe('hello', (d) => atA.push(d))
		await a.publish('hello', { n: 1 })
		await b.publish('other-topic', { n: 2 })
		await until(() => atB.length === 1, { what: 'B got the message', timeoutMs: 5000 })
		expect(atB[0]).toEqual({ d: { n: 1 }, from: a.instanceId })
		// A round trip through B proves A's own message had its chance to come back.
		await b.publish('hello', { n: 3 })
		await until(() => atA.length === 1, { what: 'A got B’s message', timeoutMs: 5000 })
		expect(atA).toEqual([{ n: 3 }])
		expect(atB.length).toBe(1)
		offA()
		offB()
	})

	it('sends a large id list in slices under 8000 bytes that add up to the whole', async () => {
		const ids = Array.from({ length: 2000 }, (_, i) => `evt_${i.toString(16).padStart(32, '0')}`)
		const got: string[][] = []
		const off = b.subscribe('ids', (d) => got.push(d as string[]))
		const sizes: number[] = []
		const offRaw = await pgB.sql.listen(BUS_CHANNEL, (text) => sizes.push(Buffer.byteLength(text)))
		await a.publish('ids', ids)
		await until(() => got.flat().length === ids.length, { what: 'every slice arrived', timeoutMs: 5000 })
		expect(got.length).toBeGreaterThan(1)
		expect(got.flat()).toEqual(ids)
		await until(() => sizes.length >= got.length)
		expect(Math.max(...sizes)).toBeLessThan(8000)
		off()
		await offRaw.unlisten()
	})

	it('ignores a notification that is not an envelope', async () => {
		const got: unknown[] = []
		const off = b.subscribe('after', (d) => got.push(d))
		await pgA.sql.notify(BUS_CHANNEL, 'not json')
		await pgA.sql.notify(BUS_CHANNEL, '{"x":1}')
		await a.publish('after', 1)
		await until(() => got.length === 1)
		expect(got).toEqual([1])
		off()
	})

	it('after its listen connection is killed, resubscribes, says since when it may have missed messages, and hears again', async () => {
		const resumed: number[] = []
		const got: unknown[] = []
		const offResume = b.onResume((since) => resumed.push(since))
		const off = b.subscribe('after-reconnect', (d) => got.push(d))
		await a.publish('after-reconnect', 'before')
		await until(() => got.length === 1, { what: 'message before the kill', timeoutMs: 5000 })
		const heardBefore = Date.now()
		const [{ killed }] = (await admin.all<{ killed: boolean }>('SELECT pg_terminate_backend($1) AS killed', [listenPidB])) as [{ killed: boolean }]
		expect(killed).toBe(true)
		await until(() => resumed.length === 1, { what: 'onResume after the reconnect', timeoutMs: 10_000 })
		expect(resumed[0]).toBeLessThanOrEqual(heardBefore)
		expect(resumed[0]).toBeGreaterThan(heardBefore - 5000)
		expect(await listenPids()).not.toContain(listenPidB)
		await a.publish('after-reconnect', 'after')
		await until(() => got.includes('after'), { what: 'message after the reconnect', timeoutMs: 5000 })
		offResume()
		off()
	})
})
