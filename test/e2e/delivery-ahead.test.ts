import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers'
import { type Harness, pipeline, startHarness } from './harness'
import { BACKEND } from '../support/pg'
import { rawSql } from '../support/raw-sql'
import { Receiver } from './receiver'

/**
 * The worker leases rows ahead of free slots (one claim feeds many sends) and frees a
 * slot when a request is answered: the per-destination limit must still hold, held rows
 * must go back to the queue when the destination stops sending, and nothing is sent twice.
 */
let h: Harness
beforeAll(async () => {
	h = await startHarness({ 'destination-concurrency': '2' })
})
afterAll(() => h.close())

/** The destination's deliveries by state, as the delivery repo sees them (on SQLite a lease is held in memory). */
const states = async (destinationId: string) => {
	const rows = await rawSql(h.server.ctx.store).all<{ id: string }>('SELECT id FROM deliveries WHERE destination_id = $1', [destinationId])
	const counts: Record<string, number> = {}
	for (const { id } of rows) {
		const state = (await h.server.ctx.store.deliveries.findById(id))?.state ?? 'gone'
		counts[state] = (counts[state] ?? 0) + 1
	}
	return counts
}
const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status
const attemptsOf = async (id: string) => (await h.api<{ delivery_attempts: { status: string }[] }>('GET', `/v1/delivery-attempts?event_id=${id}`)).body.delivery_attempts

/**
 * Ten events queued while the destination is paused, then resumed: the receiver holds the first
 * two requests (1 s) while the other eight wait leased ahead, their payloads read with the claim.
 */
async function twoInFlightEightAhead(on: Harness, name: string) {
	const rx = new Receiver().otherwise({ status: 200, delayMs: 1000 })
	const { sourceId, destinationId } = await pipeline(on, name, { url: rx.url })
	await on.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
	const ids: string[] = []
	for (let i = 0; i < 10; i++) ids.push(await on.send(sourceId, `{"i":${i}}`))
	await on.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'active' })
	await rx.waitFor(2)
	return { rx, destinationId, ids }
}

/** `purger` deletes all ten events while eight wait ahead; once `sender` settles, the receiver has only the two that were in flight. */
async function purgeWhileHeld(sender: Harness, purger: Harness, held: Awaited<ReturnType<typeof twoInFlightEightAhead>>): Promise<void> {
	const { rx, ids } = held
	expect(await purger.server.ctx.store.events.purgeBefore(`${ids.at(-1)}~`, 1000)).toBeGreaterThanOrEqual(10)
	rx.otherwise({ status: 200 })
	await sender.server.ctx.worker.settled()
	expect(rx.received.map((r) => r.headers['x-hookstream-event-id']).toSorted()).toEqual(ids.slice(0, 2).toSorted()) // two in flight: either may land first
}

describe('deliveries leased ahead', () => {
	it('never has more requests in flight to a destination than its concurrency', async () => {
		let current = 0
		let most = 0
		const seen: string[] = []
		const rx = Bun.serve({
			port: 0,
			hostname: '127.0.0.1',
			async fetch(req) {
				current++
				most = Math.max(most, current)
				seen.push(req.headers.get('x-hookstream-event-id') ?? '')
				await Bun.sleep(30)
				current--
				return new Response('ok')
			}
		})
		const { sourceId, destinationId } = await pipeline(h, 'limit', { url: `http://127.0.0.1:${rx.port}/` })
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
		const ids: string[] = []
		for (let i = 0; i < 16; i++) ids.push(await h.send(sourceId, `{"i":${i}}`))
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'active' })
		for (const id of ids) await h.until(async () => ((await statusOf(id)) === 'delivered' ? true : undefined))
		expect(most).toBe(2)
		expect(seen.toSorted()).toEqual(ids.toSorted())
		await rx.stop(true)
	})

	// SQLite's claim reads each row's payload with it (migration 23); on PostgreSQL each send reads its own.
	it.skipIf(BACKEND !== 'sqlite')('sends the rows of a claim from the payloads read with it, with no read of its events after it', async () => {
		const { events, deliveries } = h.server.ctx.store
		const original = events.findToDeliver.bind(events)
		const originalAhead = deliveries.readToDeliver.bind(deliveries)
		const readAtSend: string[] = []
		const readAfterClaim: string[] = []
		events.findToDeliver = (id: string) => {
			readAtSend.push(id)
			return original(id)
		}
		deliveries.readToDeliver = (ids: string[]) => {
			readAfterClaim.push(...ids)
			return originalAhead(ids)
		}
		try {
			const { rx, ids } = await twoInFlightEightAhead(h, 'read-with-claim')
			rx.otherwise({ status: 200 })
			for (const id of ids) await h.until(async () => ((await statusOf(id)) === 'delivered' ? true : undefined))
			expect(rx.received.map((r) => r.body).toSorted()).toEqual(Array.from({ length: 10 }, (_, i) => `{"i":${i}}`).toSorted())
			expect(readAtSend.filter((id) => ids.includes(id))).toEqual([])
			expect(readAfterClaim.filter((id) => ids.includes(id))).toEqual([])
			await rx.stop()
		} finally {
			events.findToDeliver = original
			deliveries.readToDeliver = originalAhead
		}
	}, 20000)

	it('gives rows claimed ahead back to the queue when the destination is paused, and sends each once after it resumes', async () => {
		const { rx, destinationId, ids } = await twoInFlightEightAhead(h, 'pause')
		// Two in flight and more leased ahead of them, while the receiver holds the two requests.
		expect((await states(destinationId)).leased ?? 0).toBeGreaterThan(2)
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
		// Only the two in flight stay leased, then finish; everything else is queued again.
		await h.until(async () => ((await states(destinationId)).leased === undefined ? true : undefined))
		expect(await states(destinationId)).toEqual({ delivered: 2, queued: 8 })
		expect(rx.received).toHaveLength(2)
		await h.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'active' })
		rx.otherwise({ status: 200 })
		for (const id of ids) await h.until(async () => ((await statusOf(id)) === 'delivered' ? true : undefined))
		expect(rx.received.map((r) => r.headers['x-hookstream-event-id']).toSorted()).toEqual(ids.toSorted())
		for (const id of ids) expect((await attemptsOf(id)).map((a) => a.status)).toEqual(['success'])
		await rx.stop()
	}, 20000)

	it('sends no row held ahead from the payload read with its claim once its event was purged', async () => {
		const held = await twoInFlightEightAhead(h, 'purged-ahead')
		expect((await states(held.destinationId)).leased ?? 0).toBeGreaterThan(2)
		// Retention deletes the events (and their deliveries) while eight rows wait in memory with their payloads.
		await purgeWhileHeld(h, h, held)
		expect(await states(held.destinationId)).toEqual({})
		await held.rx.stop()
	}, 20000)

	// serve refuses a second server on its data dir (src/db/serve-lock.ts), but another handle still commits: in process, two apps share the files.
	it.skipIf(BACKEND !== 'sqlite')('sends no row held ahead once a second server on the same data dir purged its event', async () => {
		const dir = tempDir('hookstream-two-servers-')
		const [sender, other] = [await startHarness({ 'data-dir': dir, 'destination-concurrency': '2' }), await startHarness({ 'data-dir': dir })]
		other.server.ctx.worker.halt()
		let rx: Receiver | undefined
		try {
			const held = await twoInFlightEightAhead(sender, 'purged-elsewhere')
			rx = held.rx
			await purgeWhileHeld(sender, other, held)
		} finally {
			await rx?.stop()
			await sender.close()
			await other.close()
			rmSync(dir, { recursive: true, force: true })
		}
	}, 20000)

	it('owns its destinations without lease rows on SQLite, where it is the only instance (with one on PostgreSQL)', async () => {
		const rx = new Receiver()
		const { sourceId, destinationId } = await pipeline(h, 'sole', { url: rx.url })
		const id = await h.send(sourceId, '{}')
		await h.until(async () => ((await statusOf(id)) === 'delivered' ? true : undefined))
		expect(h.server.ctx.worker.ownedDestinations()).toContain(destinationId)
		const leases = await rawSql(h.server.ctx.store).all<{ n: number }>('SELECT COUNT(*) AS n FROM destination_leases WHERE destination_id = $1', [destinationId])
		expect(Number(leases[0]?.n)).toBe(BACKEND === 'sqlite' ? 0 : 1)
		await rx.stop()
	})
})
