import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { transformPool } from '../../src/delivery/transform'
import { type Harness, pipeline, startHarness } from './harness'
import { Receiver } from './receiver'

let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

type Attempt = { error_type: string | null; error: string | null; status: string }
const statusOf = async (id: string) => (await h.api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).body.event.status
const attemptsOf = async (eventId: string) => (await h.api<{ delivery_attempts: Attempt[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).body.delivery_attempts

describe('M2: a runaway transform fed by the sender cannot stall the server', () => {
	it('records transform_error while other deliveries and requests complete promptly', async () => {
		const rx = new Receiver()
		// O(n^6) backtracking on the payload: one JSONata step that would run for minutes.
		const slow = await pipeline(h, 'runaway', { url: `${rx.url}/slow`, retry_max_attempts: 3 }, { transform_expression: '{"m": $contains(s, /a*a*a*a*a*b/)}' })
		const fast = await pipeline(h, 'plain', { url: `${rx.url}/fast` })
		const stuck = await h.send(slow.sourceId, JSON.stringify({ s: 'a'.repeat(400) }))
		// Measure while the runaway is being evaluated.
		await h.until(async () => (transformPool().busy > 0 ? true : undefined))
		const killedBefore = transformPool().killed

		let started = performance.now()
		expect((await fetch(`${h.url}/healthz`)).status).toBe(200)
		expect(performance.now() - started).toBeLessThan(500)

		started = performance.now()
		const ok = await h.send(fast.sourceId, '{"n":1}')
		await rx.waitFor(1, 2000)
		expect(performance.now() - started).toBeLessThan(1000)
		expect(rx.received[0]?.path).toBe('/fast')
		expect(await statusOf(stuck)).toBe('pending')
		expect(transformPool().busy).toBe(1) // still running

		await h.until(async () => ((await statusOf(stuck)) === 'failed' ? true : undefined), 10_000)
		const attempts = await attemptsOf(stuck)
		expect(attempts).toHaveLength(1) // a transform error is never retried
		expect(attempts[0]).toMatchObject({ status: 'failed', error_type: 'transform_error' })
		expect(attempts[0]?.error).toContain('time limit')
		expect(transformPool().killed).toBe(killedBefore + 1)
		expect(rx.received.filter((r) => r.path === '/slow')).toHaveLength(0)
		expect(await statusOf(ok)).toBe('delivered')
		await rx.stop()
	})

	it('transforms keep working after a child was killed', async () => {
		const rx = new Receiver()
		const { sourceId } = await pipeline(h, 'after', { url: rx.url }, { transform_expression: '{"total": $sum(items.price)}' })
		const eventId = await h.send(sourceId, JSON.stringify({ items: [{ price: 2 }, { price: 3 }] }))
		await h.until(async () => ((await statusOf(eventId)) === 'delivered' ? true : undefined))
		expect(JSON.parse(rx.received[0]?.body ?? '{}')).toEqual({ total: 5 })
		await rx.stop()
	})
})
