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

describe('AttemptRunner: what the live stream is told', () => {
	/** Runs one successful attempt whose record mints `recordedId` (or writes nothing: ''), and returns what onAttempt saw. */
	async function streamed(recordedId: string): Promise<string[]> {
		const seen: string[] = []
		const answered = { ok: true, status: 200, headers: {}, body: 'ok', durationMs: 1, error: null, errorType: null }
		const deps = {
			clock: { now: () => 1000 },
			owner: 'w_1',
			readAhead: () => ({ id: 'evt_1', content_type: 'application/json', payload_inline: new TextEncoder().encode('{}') }),
			cachedConnection: () => ({ row: { transform_enabled: 0 }, transform: null }),
			providers: { send: async () => ({ request: { url: 'http://127.0.0.1:9/', method: 'POST', recordedHeaders: null, bodySize: 2 }, result: answered }) },
			circuits: { known: () => ({ state: 'closed', failure_count: 0, opened_at: null, next_probe_at: null, last_transition_at: null }), adopt: () => {} },
			// As the repos do: the id is minted when the row is written, left empty when the lease was lost.
			record: async (o: { attempt: { id: string } }) => {
				o.attempt.id = recordedId
			},
			onAttempt: (o: { attempt: { id: string } }) => seen.push(o.attempt.id),
			slotFreed: () => {},
			wake: () => {},
			halted: () => false,
			log: { error: () => {} }
		} as unknown as AttemptDeps
		const runner = new AttemptRunner(deps)
		runner.launch(row, { row: { url: 'http://127.0.0.1:9/', method: 'POST', type: 'http' }, policy: {} } as unknown as Target, false)
		await Promise.all(runner.running())
		return seen
	}

	it('streams a recorded attempt with the id it was stored under, and nothing for one whose lease was lost', async () => {
		expect(await streamed('da_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b')).toEqual(['da_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'])
		expect(await streamed('')).toEqual([])
	})
})
