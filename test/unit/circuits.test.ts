import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { type Circuit, CLOSED } from '../../src/delivery/breaker'
import { Circuits } from '../../src/delivery/circuits'
import { policyOf } from '../../src/delivery/policy'
import type { DestinationRow } from '../../src/destinations/repo'
import { makeTestApp, type TestApp } from '../helpers'

let t: TestApp
let store: TestApp['ctx']['store']
let env: { orgId: string; envId: string }
let now = 1_000_000
const clock = { now: () => now }

beforeAll(async () => {
	t = await makeTestApp()
	store = t.ctx.store
	const auth = await t.ctx.keys.authenticate(t.key)
	if (!auth) throw new Error('test key does not authenticate')
	env = { orgId: auth.orgId, envId: auth.envId }
})
afterAll(() => t.close())

let n = 0
async function destination(overrides: Partial<DestinationRow> = {}): Promise<DestinationRow> {
	const id = `dst_${String(++n).padStart(32, '0')}`
	const row: DestinationRow = {
		id, org_id: env.orgId, env_id: env.envId, name: id, slug: `s-${n}`, type: 'http', url: 'https://example.com/', method: 'POST', headers: null,
		timeout_ms: 30000, auth_type: 'none', auth_config: null, signing_config: null, provider_config: null, status: 'active', event_count: 0,
		last_delivery_at: null, retry_enabled: 1, retry_max_attempts: 5, retry_backoff_type: 'exponential', retry_intervals: '[30,300]',
		circuit_breaker_enabled: 1, circuit_breaker_threshold: 5, circuit_breaker_reset_ms: 60000, created_at: now, updated_at: now, ...overrides
	}
	await store.destinations.insert(row)
	return row
}

describe('Circuits: the one reader and writer of breaker state', () => {
	it('loads the stored breaker once, then keeps the live copy', async () => {
		const d = await destination()
		const circuits = new Circuits(store.deliveries, clock)
		expect(await circuits.current(d.id)).toEqual(CLOSED)
		const failing: Circuit = { ...CLOSED, failure_count: 2 }
		circuits.adopt(d.id, failing)
		// Storage lags behind an attempt's group commit: the live copy wins.
		expect(await circuits.current(d.id)).toEqual(failing)
		expect(await circuits.read(d.id)).toEqual(failing)
		expect(await store.deliveries.getCircuit(d.id)).toEqual(CLOSED)
	})

	it('a half-open breaker found in storage lost its probe with a process: open, probe due now', async () => {
		const d = await destination()
		await store.deliveries.setCircuit(d.id, { state: 'half-open', failure_count: 5, opened_at: 1, next_probe_at: null, last_transition_at: 2 })
		const c = await new Circuits(store.deliveries, clock).current(d.id)
		expect(c).toEqual({ state: 'open', failure_count: 5, opened_at: 1, next_probe_at: now, last_transition_at: 2 })
	})

	it('move persists a transition; reset closes and persists; both are what later reads see', async () => {
		const d = await destination()
		const circuits = new Circuits(store.deliveries, clock)
		const halfOpen: Circuit = { state: 'half-open', failure_count: 5, opened_at: 10, next_probe_at: null, last_transition_at: 20 }
		await circuits.move(d.id, halfOpen)
		expect(await store.deliveries.getCircuit(d.id)).toEqual(halfOpen)
		expect(await circuits.current(d.id)).toEqual(halfOpen)
		now += 1000
		const reset = await circuits.reset(d.id)
		expect(reset).toEqual({ ...CLOSED, last_transition_at: now })
		expect(await store.deliveries.getCircuit(d.id)).toEqual(reset)
		expect(await circuits.current(d.id)).toEqual(reset)
	})

	it('answers null for a destination that does not exist, and forgets a deleted one', async () => {
		const circuits = new Circuits(store.deliveries, clock)
		expect(await circuits.current('dst_missing')).toBeNull()
		expect(await circuits.reset('dst_missing')).toBeNull()
		const d = await destination()
		circuits.adopt(d.id, { ...CLOSED, failure_count: 3 })
		await store.destinations.delete(d.env_id, d.id)
		circuits.forget(d.id)
		expect(await circuits.current(d.id)).toBeNull()
	})
})

describe('policyOf: retry and breaker settings read once from the row', () => {
	it('builds one policy object with the retry unit', async () => {
		const d = await destination({ retry_enabled: 0, retry_max_attempts: 3, retry_backoff_type: 'linear', retry_intervals: '[15,60]', circuit_breaker_enabled: 0, circuit_breaker_threshold: 7, circuit_breaker_reset_ms: 9000 })
		expect(policyOf(d, 1)).toEqual({
			retry: { enabled: false, maxAttempts: 3, backoff: 'linear', intervalsSec: [15, 60], unitMs: 1 },
			breaker: { enabled: false, threshold: 7, resetMs: 9000 }
		})
	})

	it('refresh takes a newer stored transition (another instance reset it) and keeps a live copy at least as new', async () => {
		const d = await destination()
		const circuits = new Circuits(store.deliveries, clock)
		const open: Circuit = { state: 'open', failure_count: 5, opened_at: 100, next_probe_at: 60_100, last_transition_at: 100 }
		await circuits.move(d.id, open)
		// Storage older than the live copy (a commit still lingering): the live copy stays.
		await store.deliveries.setCircuit(d.id, { ...CLOSED, last_transition_at: 50 })
		await circuits.refresh(d.id)
		expect(await circuits.current(d.id)).toEqual(open)
		const reset: Circuit = { ...CLOSED, last_transition_at: 200 }
		await store.deliveries.setCircuit(d.id, reset)
		await circuits.refresh(d.id)
		expect(await circuits.current(d.id)).toEqual(reset)
		await store.destinations.delete(d.env_id, d.id)
		await circuits.refresh(d.id)
		expect(circuits.known(d.id)).toBeUndefined()
	})
})
