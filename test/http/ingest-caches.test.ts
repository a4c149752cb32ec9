import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHmac } from 'node:crypto'
import { SourceCache } from '../../src/ingest/source-cache'
import { SecretBox } from '../../src/lib/crypto'
import { makeTestApp, type TestApp } from '../helpers'

/**
 * Ingest answers from two in-memory caches (sources, and routes per source).
 * Every write that changes what they hold must take effect on the very next
 * request: each test warms the caches with a request first, writes through the
 * API, and checks the next request sees the write.
 */
let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

type Json = Record<string, unknown>
let n = 0

async function post<T = Json>(path: string, body: Json): Promise<T> {
	const res = await t.call('POST', path, { body })
	expect(res.status).toBe(201)
	return (await res.json()) as T
}
async function patch(path: string, body: Json): Promise<void> {
	expect((await t.call('PATCH', path, { body })).status).toBe(200)
}
const ingest = (sourceId: string, body = '{"type":"a"}') => t.call('POST', `/v1/ingest/${sourceId}`, { key: null, body })

/** Ingests one event and returns the status routing gave it: pending, filtered or no_route. */
async function routedAs(sourceId: string, body?: string): Promise<string> {
	const res = await ingest(sourceId, body)
	expect(res.status).toBe(200)
	const { event_id } = (await res.json()) as { event_id: string }
	return ((await (await t.call('GET', `/v1/events/${event_id}`)).json()) as { event: { status: string } }).event.status
}

/** A source with one connection to a destination (the worker is not running: deliveries stay pending). */
async function pipeline(connection: Json = {}) {
	const i = ++n
	const { source } = await post<{ source: { id: string } }>('/v1/sources', { name: `s${i}`, slug: `cache-src-${i}` })
	const { destination } = await post<{ destination: { id: string } }>('/v1/destinations', { name: `d${i}`, slug: `cache-dst-${i}`, url: 'https://example.com/hook' })
	const { connection: conn } = await post<{ connection: { id: string } }>('/v1/connections', { name: `c${i}`, source_id: source.id, destination_id: destination.id, ...connection })
	expect(await routedAs(source.id)).toBe('pending')
	return { sourceId: source.id, destinationId: destination.id, connectionId: conn.id }
}

describe('writes that ingest caches see at once', () => {
	it('source PATCH: disabled refuses, paused stops routing, active routes again', async () => {
		const p = await pipeline()
		await patch(`/v1/sources/${p.sourceId}`, { status: 'paused' })
		expect(await routedAs(p.sourceId)).toBe('no_route')
		await patch(`/v1/sources/${p.sourceId}`, { status: 'disabled' })
		expect((await ingest(p.sourceId)).status).toBe(403)
		await patch(`/v1/sources/${p.sourceId}`, { status: 'active' })
		expect(await routedAs(p.sourceId)).toBe('pending')
	})

	it('source DELETE: ingest answers 404', async () => {
		const p = await pipeline()
		expect((await t.call('DELETE', `/v1/sources/${p.sourceId}`)).status).toBe(200)
		expect((await ingest(p.sourceId)).status).toBe(404)
	})

	it('connection create, PATCH (filters, enabled, status) and DELETE change routing at once', async () => {
		const { source } = await post<{ source: { id: string } }>('/v1/sources', { name: 'late', slug: 'cache-late' })
		expect(await routedAs(source.id)).toBe('no_route') // caches "no routes"
		const { destination } = await post<{ destination: { id: string } }>('/v1/destinations', { name: 'late', slug: 'cache-late-dst', url: 'https://example.com/hook' })
		const { connection } = await post<{ connection: { id: string } }>('/v1/connections', { name: 'late', source_id: source.id, destination_id: destination.id })
		expect(await routedAs(source.id)).toBe('pending')
		const path = `/v1/connections/${connection.id}`
		await patch(path, { filter_rules: [{ field: 'payload.type', op: 'eq', value: 'b' }] })
		expect(await routedAs(source.id, '{"type":"a"}')).toBe('filtered')
		expect(await routedAs(source.id, '{"type":"b"}')).toBe('pending')
		await patch(path, { filter_rules: null, enabled: false })
		expect(await routedAs(source.id)).toBe('no_route')
		await patch(path, { enabled: true, status: 'paused' })
		expect(await routedAs(source.id)).toBe('no_route')
		await patch(path, { status: 'active' })
		expect(await routedAs(source.id)).toBe('pending')
		expect((await t.call('DELETE', path)).status).toBe(200)
		expect(await routedAs(source.id)).toBe('no_route')
	})

	it('destination PATCH (disabled stops routing, active routes again) and DELETE', async () => {
		const p = await pipeline()
		await patch(`/v1/destinations/${p.destinationId}`, { status: 'disabled' })
		expect(await routedAs(p.sourceId)).toBe('no_route')
		await patch(`/v1/destinations/${p.destinationId}`, { status: 'active' })
		expect(await routedAs(p.sourceId)).toBe('pending')
		expect((await t.call('DELETE', `/v1/destinations/${p.destinationId}`)).status).toBe(200)
		expect(await routedAs(p.sourceId)).toBe('no_route')
	})
})

describe('verification settings: the verifiers keep per-source state (parsed options, keyed hashers)', () => {
	const body = '{"type":"a"}'
	const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex')

	it('a PATCH of the secret, the config or the type checks the very next request with the new settings', async () => {
		const { source } = await post<{ source: { id: string } }>('/v1/sources', {
			name: 'verify', slug: 'cache-verify', verification_type: 'hmac_sha256', verification_header: 'X-Signature', verification_secret: 'old-secret'
		})
		const path = `/v1/sources/${source.id}`
		const send = (headers: Record<string, string>) => t.call('POST', `/v1/ingest/${source.id}`, { key: null, body, headers })
		const hmacSigned = (secret: string, prefix = 'sha256=') => send({ 'x-signature': `${prefix}${mac(secret, body)}` })
		expect((await hmacSigned('old-secret')).status).toBe(200)
		await patch(path, { verification_secret: 'new-secret' })
		expect((await hmacSigned('old-secret')).status).toBe(401)
		expect((await hmacSigned('new-secret')).status).toBe(200)
		await patch(path, { verification_config: { prefix: 'v1=' } })
		expect((await hmacSigned('new-secret')).status).toBe(401)
		expect((await hmacSigned('new-secret', 'v1=')).status).toBe(200)

		const ts = Math.floor(Date.now() / 1000) - 60 // within the default tolerance (300 s)
		const stripeSigned = (secret: string) => send({ 'stripe-signature': `t=${ts},v1=${mac(secret, `${ts}.${body}`)}` })
		await patch(path, { verification_type: 'stripe', verification_header: null, verification_config: null, verification_secret: 'whsec_first' })
		expect((await hmacSigned('new-secret', 'v1=')).status).toBe(401)
		expect((await stripeSigned('whsec_first')).status).toBe(200)
		await patch(path, { verification_secret: 'whsec_second' })
		expect((await stripeSigned('whsec_first')).status).toBe(401)
		expect((await stripeSigned('whsec_second')).status).toBe(200)
		// A tolerance that the same signature, a minute old, no longer meets.
		await patch(path, { verification_config: { tolerance_seconds: 30 } })
		expect((await stripeSigned('whsec_second')).status).toBe(401)
	})
})

describe('source cache', () => {
	it('a reload that an invalidation overtook does not re-cache the row it read before the write', async () => {
		const { source } = await post<{ source: { id: string } }>('/v1/sources', { name: 'race', slug: 'cache-race' })
		const repo = t.ctx.store.sources
		// Each read happens at once; its answer is held until the test releases it.
		const held: (() => void)[] = []
		let reads = 0
		const gated = {
			...repo,
			findById: async (id: string) => {
				reads++
				const row = await repo.findById(id)
				await new Promise<void>((release) => held.push(release))
				return row
			}
		}
		const cache = new SourceCache(gated, new SecretBox(Buffer.alloc(32, 7)))
		const heldReads = async (count: number) => {
			while (held.length < count) await Bun.sleep(0)
		}
		const stale = cache.get(source.id) // reads status active
		await heldReads(1)
		await patch(`/v1/sources/${source.id}`, { status: 'disabled' })
		cache.invalidate(source.id) // what the write's onChange does
		const fresh = cache.get(source.id) // reads status disabled
		await heldReads(2)
		held[0]?.()
		expect((await stale)?.row.status).toBe('active')
		held[1]?.()
		expect((await fresh)?.row.status).toBe('disabled')
		expect((await cache.get(source.id))?.row.status).toBe('disabled')
		expect(reads).toBe(2)
	})
})
