import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

/** List filters that had no test: events by verification_status, delivery attempts by connection_id. */
let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

type Event = { id: string; verification_status: string }
const eventsWhere = async (query: string) => (await h.api<{ events: Event[]; pagination: { total: number } }>('GET', `/v1/events?${query}`)).body

describe('GET /v1/events?verification_status=', () => {
	it('returns exactly the events with that status', async () => {
		// printf '%s' 'hook:s3cret' | base64
		const basic = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'vs-auth', slug: 'vs-auth', verification_enabled: true, verification_type: 'basic_auth', verification_secret: 'hook:s3cret' })
		const plain = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'vs-plain', slug: 'vs-plain' })
		const schema = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'vs-schema', slug: 'vs-schema', schema_validation_enabled: true, json_schema: { type: 'object', required: ['id'] }, schema_action: 'warn' })
		for (const r of [basic, plain, schema]) expect(r.status).toBe(201)
		const verified = [await h.send(basic.body.source.id, '{"a":1}', { authorization: 'Basic aG9vazpzM2NyZXQ=' }), await h.send(basic.body.source.id, '{"a":2}', { authorization: 'Basic aG9vazpzM2NyZXQ=' })]
		const unverified = [await h.send(plain.body.source.id, '{"b":1}')]
		const invalid = [await h.send(schema.body.source.id, '{"no_id":true}')]
		const expected = { verified, unverified, schema_invalid: invalid }
		for (const [status, ids] of Object.entries(expected)) {
			const page = await eventsWhere(`verification_status=${status}`)
			expect({ status, ids: page.events.map((e) => e.id).sort() }).toEqual({ status, ids: [...ids].sort() })
			expect(page.pagination.total).toBe(ids.length)
		}
		// Combined with another filter, and refused when not a known status.
		expect((await eventsWhere(`verification_status=verified&source_id=${plain.body.source.id}`)).events).toEqual([])
		expect((await h.api('GET', '/v1/events?verification_status=bogus')).status).toBe(400)
	})
})

describe('GET /v1/delivery-attempts?connection_id=', () => {
	it('returns only the attempts made for that connection', async () => {
		const rx = new Receiver()
		const first = await pipeline(h, 'fan-a', { url: `${rx.url}/a` })
		const d2 = await h.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: 'fan-b', slug: 'fan-b-dst', url: `${rx.url}/b` })
		const c2 = await h.api<{ connection: { id: string } }>('POST', '/v1/connections', { name: 'fan-b', source_id: first.sourceId, destination_id: d2.body.destination.id })
		expect(c2.status).toBe(201)
		const events = [await h.send(first.sourceId, '{"n":1}'), await h.send(first.sourceId, '{"n":2}')]
		await rx.waitFor(4)
		type Attempt = { id: string; connection_id: string; event_id: string; status: string }
		const attemptsOf = async (connectionId: string) => {
			const list = await h.until(async () => {
				const body = (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?connection_id=${connectionId}`)).body.delivery_attempts
				return body.length === 2 ? body : undefined
			})
			return list
		}
		const a = await attemptsOf(first.connectionId)
		const b = await attemptsOf(c2.body.connection.id)
		expect(a.map((x) => x.connection_id)).toEqual([first.connectionId, first.connectionId])
		expect(b.map((x) => x.connection_id)).toEqual([c2.body.connection.id, c2.body.connection.id])
		expect(a.map((x) => x.event_id).sort()).toEqual([...events].sort())
		expect(new Set([...a, ...b].map((x) => x.id)).size).toBe(4)
		const none = (await h.api<{ delivery_attempts: Attempt[] }>('GET', '/v1/delivery-attempts?connection_id=conn_00000000000000000000000000000000')).body.delivery_attempts
		expect(none).toEqual([])
		await rx.stop()
	})
})
