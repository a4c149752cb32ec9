import { describe, expect, it } from 'bun:test'
import type { Circuits } from '../../src/delivery/circuits'
import type { DeliveryRow } from '../../src/delivery/repo'
import { type AttemptDeps, AttemptRunner, type Target } from '../../src/delivery/worker-attempt'

const row: DeliveryRow = {
	id: 'dlv_1', org_id: 'org_1', env_id: 'env_1', event_id: 'evt_1', connection_id: 'conn_1', destination_id: 'dst_1', state: 'leased',
	attempts: 0, due_at: 0, lease_owner: 'w_1', lease_expires_at: 1, trigger_type: 'initial', created_at: 0, updated_at: 0
}

describe('AttemptRunner: an attempt that fails before it is recorded', () => {
	it('frees its slot and forgets it even when logging the failure throws', async () => {
		const freed: string[] = []
		const deps = {
			clock: { now: () => 1000 },
			owner: 'w_1',
			// The attempt breaks at its first step, as an unexpected storage error would.
			readAhead: () => {
				throw new Error('storage broke')
			},
			cachedConnection: () => undefined,
			log: {
				error: () => {
					throw new Error('the log is gone too')
				}
			},
			slotFreed: (id: string) => freed.push(id),
			halted: () => false,
			circuits: {} as Circuits
		} as unknown as AttemptDeps
		const runner = new AttemptRunner(deps)
		runner.launch(row, {} as Target, false)
		expect({ busy: runner.busy('dst_1'), idle: runner.idle('dst_1'), running: runner.running().length }).toEqual({ busy: 1, idle: false, running: 1 })
		await Promise.allSettled(runner.running())
		expect({ busy: runner.busy('dst_1'), idle: runner.idle('dst_1'), running: runner.running().length, total: runner.total, freed }).toEqual({
			busy: 0, idle: true, running: 0, total: 0, freed: ['dst_1']
		})
	})
})
