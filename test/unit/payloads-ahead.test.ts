import { describe, expect, it } from 'bun:test'
import { BUDGET_BYTES, PayloadsAhead } from '../../src/delivery/payloads-ahead'
import type { DeliveryRow } from '../../src/delivery/repo'
import type { EventToDeliver } from '../../src/events/queries'

/** Storage as PayloadsAhead sees it: events by id, and the epoch a delete or another connection's commit moves. */
function storage(size: number) {
	const state = { epoch: 'e0', reads: 0 }
	const repo = {
		async readToDeliver(ids: string[]): Promise<EventToDeliver[]> {
			state.reads++
			return ids.map((id) => ({ id, content_type: null, payload_inline: new Uint8Array(size) }))
		},
		payloadEpoch: () => state.epoch
	}
	return { state, ahead: new PayloadsAhead(repo) }
}
const rows = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: `dlv_${from + i}`, event_id: `evt_${from + i}` }) as DeliveryRow)

describe('payloads read ahead', () => {
	it('holds each copy once, for its own delivery, and none after the epoch moved', async () => {
		const { state, ahead } = storage(100)
		await ahead.fill(rows(3), ahead.epoch())
		expect(ahead.take('dlv_0')?.id).toBe('evt_0')
		expect(ahead.take('dlv_0')).toBeUndefined()
		state.epoch = 'e1'
		expect(ahead.take('dlv_1')).toBeUndefined()
		expect(ahead.size).toBe(0)
		expect(ahead.bytes).toBe(0)
	})

	it('holds no more than its byte budget; rows past it read their payload at send time', async () => {
		const size = 10 * 1024
		const { ahead } = storage(size)
		const fit = Math.floor(BUDGET_BYTES / size)
		await ahead.fill(rows(fit + 50), ahead.epoch())
		expect(ahead.size).toBe(fit)
		expect(ahead.bytes).toBe(fit * size)
		expect(ahead.take(`dlv_${fit}`)).toBeUndefined()
		// Sent or given back, copies give their bytes back to the budget.
		expect(ahead.take('dlv_0')?.id).toBe('evt_0')
		ahead.drop(['dlv_1', 'dlv_2'])
		expect(ahead.bytes).toBe((fit - 3) * size)
		await ahead.fill(rows(5, fit + 100), ahead.epoch())
		expect(ahead.size).toBe(fit)
	})

	it('holds what the claim read with its rows without reading again, and takes it off the rows', async () => {
		const { state, ahead } = storage(100)
		const claimed = rows(4)
		const body = (i: number): EventToDeliver => ({ id: `evt_${i}`, content_type: 'application/json', payload_inline: new Uint8Array(10) })
		// Read by the claim: 0 and 1 with a body, 2 without one (large, or gone); 3 not read (no seq): read here.
		;[claimed[0], claimed[1]].forEach((r, i) => Object.assign(r as DeliveryRow, { ahead: body(i) }))
		;(claimed[2] as DeliveryRow).ahead = null
		await ahead.fill(claimed, ahead.epoch())
		expect(state.reads).toBe(1)
		expect(claimed.map((r) => r.ahead)).toEqual([undefined, undefined, undefined, undefined])
		expect(ahead.take('dlv_0')).toEqual(body(0))
		expect(ahead.take('dlv_2')).toBeUndefined()
		expect(ahead.take('dlv_3')?.payload_inline?.byteLength).toBe(100)
		expect(ahead.bytes).toBe(10)
	})

	it('holds nothing of a claim when events were deleted after it read them, and keeps no payload on the rows', async () => {
		const { state, ahead } = storage(100)
		const epoch = ahead.epoch()
		const claimed: DeliveryRow[] = rows(2).map((r) => ({ ...r, ahead: { id: r.event_id, content_type: null, payload_inline: new Uint8Array(10) } }))
		state.epoch = 'e1' // a delete between the claim and the fill
		await ahead.fill(claimed, epoch)
		expect(ahead.size).toBe(0)
		expect(claimed.map((r) => r.ahead)).toEqual([undefined, undefined])
	})

	it('counts what the claim read against the byte budget; rows past it keep no payload', async () => {
		const { ahead } = storage(0)
		const size = 10 * 1024
		const fit = Math.floor(BUDGET_BYTES / size)
		const claimed = rows(fit + 3).map((r) => ({ ...r, ahead: { id: r.event_id, content_type: null, payload_inline: new Uint8Array(size) } }))
		await ahead.fill(claimed, ahead.epoch())
		expect(ahead.size).toBe(fit)
		expect(claimed.every((r) => r.ahead === undefined)).toBe(true)
	})
})
