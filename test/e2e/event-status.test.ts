import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { idFloorAt } from '../../src/lib/ids'
import { type Harness, pipeline, startHarness } from './harness'
import { LiveClient } from './live-client'
import { Receiver } from './receiver'

/**
 * An event's status on the wire through real deliveries: pending while a delivery is out,
 * then what its deliveries give it (read from them, not stored), the same in the detail,
 * the list, its status filter and its count, and a live replay.
 */

let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

type Listed = { events: { id: string; status: string }[]; pagination: { total: number } }
const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status
const listed = async (query: string) => (await h.api<Listed>('GET', `/v1/events?${query}`)).body
const idsWhere = async (sourceId: string, status: string) => {
	const page = await listed(`source_id=${sourceId}&status=${status}`)
	expect(page.pagination.total).toBe(page.events.length)
	for (const e of page.events) expect(e.status).toBe(status)
	return page.events.map((e) => e.id)
}

/** A receiver that holds every request until released, then answers `status`. */
function heldReceiver(status: number) {
	let release = () => {}
	const gate = new Promise<void>((resolve) => (release = resolve))
	let seen = 0
	const server = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		fetch: async (req) => {
			await req.text()
			seen++
			await gate
			return new Response('no', { status })
		}
	})
	return { url: `http://127.0.0.1:${server.port}`, seen: () => seen, release: () => release(), stop: () => server.stop(true) }
}

describe('event status through real deliveries', () => {
	it('goes pending → delivered, and pending → partial when one of two destinations fails for good', async () => {
		const ok = new Receiver()
		const held = heldReceiver(500)
		const { sourceId } = await pipeline(h, 'status-fan', { url: ok.url })
		const d2 = await h.api<{ destination: { id: string } }>('POST', '/v1/destinations', {
			name: 'status-held', slug: 'status-held-dst', url: held.url, retry_enabled: false, circuit_breaker_enabled: false
		})
		expect(d2.status).toBe(201)
		expect((await h.api('POST', '/v1/connections', { name: 'status-held', source_id: sourceId, destination_id: d2.body.destination.id })).status).toBe(201)
		const single = await pipeline(h, 'status-one', { url: ok.url })

		const fan = await h.send(sourceId, '{"fan":1}')
		// The good delivery is recorded while the other is still out: the event is pending.
		await ok.waitFor(1)
		await h.until(async () => (held.seen() === 1 ? true : undefined))
		await h.until(async () => {
			const attempts = (await h.api<{ delivery_attempts: unknown[] }>('GET', `/v1/delivery-attempts?event_id=${fan}`)).body.delivery_attempts
			return attempts.length === 1 ? true : undefined
		})
		expect(await statusOf(fan)).toBe('pending')
		expect(await idsWhere(sourceId, 'pending')).toEqual([fan])
		expect(await idsWhere(sourceId, 'delivered')).toEqual([])

		const one = await h.send(single.sourceId, '{"one":1}')
		await h.until(async () => ((await statusOf(one)) === 'delivered' ? true : undefined))
		expect(await idsWhere(single.sourceId, 'delivered')).toEqual([one])
		expect(await idsWhere(single.sourceId, 'pending')).toEqual([])

		held.release()
		await h.until(async () => ((await statusOf(fan)) === 'partial' ? true : undefined))
		expect(await idsWhere(sourceId, 'partial')).toEqual([fan])
		expect(await idsWhere(sourceId, 'pending')).toEqual([])
		const all = await listed(`source_id=${sourceId}`)
		expect(all.events.map((e) => [e.id, e.status])).toEqual([[fan, 'partial']])

		// A live replay (resume after an earlier id) shows the status as it is now.
		const c = new LiveClient(`${h.url.replace('http', 'ws')}/v1/ws`, { authorization: `Bearer ${h.key}` })
		await c.opened
		await c.subscribe(`events:${sourceId}`, idFloorAt('evt', Date.now() - 60_000))
		await c.until(() => c.eventIds().includes(fan))
		expect((c.of('event').find((m) => (m.data as { id: string }).id === fan)?.data as { status: string }).status).toBe('partial')
		c.close()
		held.stop()
		await ok.stop()
	})
})
