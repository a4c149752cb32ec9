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
		await ahead.fill(rows(3))
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
		await ahead.fill(rows(fit + 50))
		expect(ahead.size).toBe(fit)
		expect(ahead.bytes).toBe(fit * size)
		expect(ahead.take(`dlv_${fit}`)).toBeUndefined()
		// Sent or given back, copies give their bytes back to the budget.
		expect(ahead.take('dlv_0')?.id).toBe('evt_0')
		ahead.drop(['dlv_1', 'dlv_2'])
		expect(ahead.bytes).toBe((fit - 3) * size)
		await ahead.fill(rows(5, fit + 100))
		expect(ahead.size).toBe(fit)
	})
})
