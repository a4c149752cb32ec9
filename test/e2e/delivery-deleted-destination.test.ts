import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status

describe('a deleted destination closes its pending deliveries (the delivery worker owns the rule)', () => {
	it('through the API: queued deliveries are closed and their events settle as failed', async () => {
		const rx = new Receiver()
		const { sourceId, destinationId } = await pipeline(h, 'del-api', { url: rx.url })
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' }) // the queue holds
		const eventId = await h.send(sourceId, '{}')
		expect(await statusOf(eventId)).toBe('pending')
		expect((await h.api('DELETE', `/v1/destinations/${destinationId}`)).status).toBe(200)
		await h.until(async () => ((await statusOf(eventId)) === 'failed' ? true : undefined), 5000)
		expect(rx.received).toHaveLength(0)
		await rx.stop()
	})

	it('the worker applies it when told of the change, with nothing else wired', async () => {
		const rx = new Receiver()
		const { sourceId, destinationId } = await pipeline(h, 'del-worker', { url: rx.url })
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
		const eventId = await h.send(sourceId, '{}')
		const ctx = h.server.ctx
		const auth = await ctx.keys.authenticate(h.key)
		// Delete the row behind the service's back: no change listener runs.
		expect(await ctx.store.destinations.delete(auth?.envId ?? '', destinationId)).toBe(true)
		expect(await statusOf(eventId)).toBe('pending')
		ctx.worker.destinationChanged(destinationId)
		await h.until(async () => ((await statusOf(eventId)) === 'failed' ? true : undefined), 5000)
		await rx.stop()
	})
})
