import { describe, expect, it } from 'bun:test'
import { LeasedAhead } from '../../src/delivery/ahead'
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
		expect(ahead.takeHeld('dst', 1, 3).map((r) => r.id)).toEqual(['dlv_002', 'dlv_003', 'dlv_004'])
		expect(ahead.low('dst')).toBe(false)
		expect(ahead.takeHeld('dst', 1, 2)).toHaveLength(2)
		expect(ahead.low('dst')).toBe(true) // 3 held < depth / 2
		await ahead.take('dst', target, 2, 1)
		expect(q.claims).toEqual([10, 6]) // back to one to send plus a depth of 8
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
})
