import { describe, expect, it } from 'bun:test'
import { AHEAD_MS, LeasedAhead, MAX_DEPTH } from '../../src/delivery/ahead'
import { PayloadsAhead } from '../../src/delivery/payloads-ahead'
import type { DeliveryRow } from '../../src/delivery/repo'

const LEASE_MS = 150_000
const target = { row: { timeout_ms: 10_000 } }

/** A queue of `n` due rows that records claims and releases (the storage side is covered end to end). */
function queue(n: number) {
	const rows = Array.from({ length: n }, (_, i) => ({ id: `dlv_${String(i).padStart(3, '0')}` }))
	const claims: number[] = []
	const released: string[] = []
	const repo = {
		async claim(_destination: string, _now: number, limit: number, _owner: string, leaseUntil: number) {
			claims.push(limit)
			return rows.splice(0, limit).map((r) => ({ ...r, lease_expires_at: leaseUntil }) as DeliveryRow)
		},
		async releaseLeases(ids: string[]) {
			released.push(...ids)
		}
	}
	return { repo, claims, released }
}

describe('LeasedAhead', () => {
	it('claims ahead in one go and serves later sends from what it holds, oldest first', async () => {
		const q = queue(100)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		expect((await ahead.take('dst', target, 0, 2)).map((r) => r.id)).toEqual(['dlv_000', 'dlv_001'])
		expect(q.claims).toEqual([10]) // the two to send now plus a depth of 8 held
		expect(ahead.takeHeld('dst', 1_000, 3).map((r) => r.id)).toEqual(['dlv_002', 'dlv_003', 'dlv_004'])
		expect(ahead.low('dst')).toBe(false)
		expect(ahead.takeHeld('dst', 1_500, 2)).toHaveLength(2)
		expect(ahead.low('dst')).toBe(true) // 3 held < depth / 2
		// 7 sends in 2 s is far below AHEAD_MS's worth of a claim: the depth stays the worker's.
		await ahead.take('dst', target, 2_000, 1)
		expect(q.claims).toEqual([10, 6]) // back to one to send plus a depth of 8
	})

	it('a destination that sends fast claims AHEAD_MS of its pace, up to MAX_DEPTH, and asks for the next claim at half of it', async () => {
		const q = queue(2_000)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		await ahead.take('dst', target, 0, 2) // claims 10
		ahead.takeHeld('dst', 1, 8) // 10 sent within 4 ms: 2.5 per ms
		await ahead.take('dst', target, 4, 2)
		expect(q.claims).toEqual([10, 2 + 2.5 * AHEAD_MS])
		ahead.takeHeld('dst', 5, 70) // 55 of 125 held: low for this destination, not for the worker's depth of 8
		expect(ahead.low('dst')).toBe(true)
		ahead.takeHeld('dst', 5, 1_000) // faster still: capped
		await ahead.take('dst', target, 6, 0)
		expect(q.claims.at(-1)).toBe(MAX_DEPTH)
	})

	it('a queue that runs out starts the next burst over from the worker\'s depth', async () => {
		const q = queue(300)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		await ahead.take('dst', target, 0, 2) // 10
		ahead.takeHeld('dst', 1, 8)
		await ahead.take('dst', target, 4, 2) // 127
		ahead.takeHeld('dst', 5, 1_000)
		expect(await ahead.take('dst', target, 6, 0)).toEqual([]) // asks 256, gets the last 163
		ahead.takeHeld('dst', 7, 1_000)
		await ahead.take('dst', target, 8, 0) // as fast as ever, but the queue had run out
		expect(q.claims).toEqual([10, 127, MAX_DEPTH, 8])
	})

	it('a worker depth above MAX_DEPTH is its own cap', async () => {
		const q = queue(2_000)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 300 })
		await ahead.take('dst', target, 0, 0)
		ahead.takeHeld('dst', 1, 300)
		await ahead.take('dst', target, 2, 0) // 300 in 2 ms: far past both
		expect(q.claims).toEqual([300, 300])
	})

	it('giving back or clearing what is held measures the pace anew', async () => {
		for (const drop of ['giveBack', 'clear'] as const) {
			const q = queue(2_000)
			const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
			await ahead.take('dst', target, 0, 0)
			ahead.takeHeld('dst', 1, 8)
			await ahead.take('dst', target, 2, 0) // 8 in 2 ms: 200
			ahead.takeHeld('dst', 3, 100) // 100 sent since
			if (drop === 'giveBack') await ahead.giveBack('dst')
			else ahead.clear()
			await ahead.take('dst', target, 4, 0) // those 100 in 2 ms would be 256
			expect(q.claims).toEqual([8, 200, 8])
		}
	})

	it('two claims within one millisecond keep the depth (no pace to tell)', async () => {
		const q = queue(100)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		await ahead.take('dst', target, 0, 0)
		expect(await ahead.take('dst', target, 0, 16)).toHaveLength(16)
		expect(q.claims).toEqual([8, 16])
	})

	it('a destination that slows down claims less again, never less than the worker\'s depth', async () => {
		const q = queue(2_000)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		await ahead.take('dst', target, 0, 0)
		ahead.takeHeld('dst', 2, 8)
		await ahead.take('dst', target, 4, 0) // 8 in 4 ms: 100 ahead
		expect(q.claims).toEqual([8, 100])
		ahead.takeHeld('dst', 5_000, 60)
		// 60 in 10 s: the worker's depth, 8, and 40 are held already: no claim (not a negative one).
		expect(await ahead.take('dst', target, 10_000, 0)).toEqual([])
		expect(q.claims).toEqual([8, 100])
		ahead.takeHeld('dst', 10_001, 40)
		await ahead.take('dst', target, 10_050, 1) // 40 in 50 ms: one to send and 40 ahead
		expect(q.claims).toEqual([8, 100, 41])
		ahead.takeHeld('dst', 20_000, 40)
		await ahead.take('dst', target, 30_000, 1) // 41 in 20 s: one and the worker's 8
		expect(q.claims).toEqual([8, 100, 41, 9])
	})

	it('never hands out a row whose lease could lapse during the attempt, and gives it back', async () => {
		const q = queue(100)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		await ahead.take('dst', target, 0, 0)
		// Held so long that less than the destination's timeout (+1 s) of lease is left.
		const late = LEASE_MS - target.row.timeout_ms - 500
		expect(ahead.takeHeld('dst', late, 4)).toEqual([])
		const rows = await ahead.take('dst', target, late, 2)
		expect(q.released).toHaveLength(8)
		expect(rows.map((r) => r.id)).toEqual(['dlv_008', 'dlv_009'])
	})

	it('gives everything held back when the destination may not send', async () => {
		const q = queue(100)
		const ahead = new LeasedAhead(q.repo, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		await ahead.take('dst', target, 0, 1)
		await ahead.giveBack('dst')
		expect(q.released).toHaveLength(8)
		expect(ahead.targetOf('dst')).toBeUndefined()
		expect(ahead.destinations()).toEqual([])
	})

	it('a claim that waits on storage (PostgreSQL) never lets a freed slot take the same held rows', async () => {
		const q = queue(100)
		let answer: () => void = () => {}
		const slow = {
			...q.repo,
			async claim(...args: Parameters<typeof q.repo.claim>) {
				await new Promise<void>((resolve) => (answer = resolve))
				return q.repo.claim(...args)
			}
		}
		const ahead = new LeasedAhead(slow, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		const first = ahead.take('dst', target, 0, 0)
		answer()
		await first // 8 held
		const refill = ahead.take('dst', target, 1, 6) // 8 held < 6 + 4: claims more, and waits
		// A slot frees while the claim is out: what it may take is not what the claim hands out.
		const meanwhile = ahead.takeHeld('dst', 1, 4)
		answer()
		const handedOut = [...meanwhile, ...(await refill), ...ahead.takeHeld('dst', 2, 100)].map((r) => r.id)
		expect(new Set(handedOut).size).toBe(handedOut.length)
		expect(handedOut).toHaveLength(8 + (q.claims[1] ?? 0))
	})

	it('holds a claim\'s payloads only under the epoch read before the claim: a delete during the claim voids them', async () => {
		const q = queue(30)
		const state = { epoch: 'e0' }
		const payloads = new PayloadsAhead({ readToDeliver: async () => [], payloadEpoch: () => state.epoch })
		const claim = q.repo.claim
		const withBodies = { ...q.repo, async claim(...args: Parameters<typeof claim>) {
			const rows = await claim(...args)
			state.epoch = 'e1' // events deleted while the claim read their payloads
			return rows.map((r) => ({ ...r, event_id: `evt_${r.id}`, ahead: { id: `evt_${r.id}`, content_type: null, payload_inline: new Uint8Array(8) } }))
		} }
		const ahead = new LeasedAhead(withBodies, { owner: 'w', leaseMs: LEASE_MS, depth: 8 }, payloads)
		const sent = await ahead.take('dst', target, 0, 2)
		expect(payloads.size).toBe(0)
		expect(sent.every((r) => r.ahead === undefined)).toBe(true)
		// Claimed under one epoch throughout: held.
		state.epoch = 'e2'
		const more = new LeasedAhead({ ...q.repo, claim: async (...args: Parameters<typeof claim>) => (await claim(...args)).map((r) => ({ ...r, event_id: `evt_${r.id}`, ahead: { id: `evt_${r.id}`, content_type: null, payload_inline: new Uint8Array(8) } })) }, { owner: 'w', leaseMs: LEASE_MS, depth: 8 }, payloads)
		await more.take('dst', target, 0, 0)
		expect(payloads.size).toBe(8) // the worker's depth, all held
	})

	it('without payloads read ahead (PostgreSQL), a held row keeps nothing the claim read', async () => {
		const q = queue(10)
		const claim = q.repo.claim
		const ahead = new LeasedAhead({ ...q.repo, claim: async (...args: Parameters<typeof claim>) => (await claim(...args)).map((r) => ({ ...r, ahead: null })) }, { owner: 'w', leaseMs: LEASE_MS, depth: 8 })
		const sent = await ahead.take('dst', target, 0, 1)
		expect([...sent, ...ahead.takeHeld('dst', 0, 100)].map((r) => r.ahead)).toEqual(Array(10).fill(undefined))
	})
})
