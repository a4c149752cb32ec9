import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { newId } from '../../src/lib/ids'
import type { ReplayJobRow } from '../../src/replay/repo'
import type { Store } from '../../src/store'
import { BACKENDS, destination, ENV, exec, ORG, rows, seedTenant } from './delivery-fixtures'

/** The replay repo's contract on both engines: jobs, their items, enqueueing into the outbox, progress, cancel and purge. */

async function sourceAndConnection(store: Store, destinationId: string): Promise<{ sourceId: string; connectionId: string }> {
	const sourceId = newId('src')
	const connectionId = newId('conn')
	await exec(store, 'INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $1, $1, 1, 1)', [sourceId, ORG, ENV])
	await exec(store, 'INSERT INTO connections (id, org_id, env_id, source_id, destination_id, name, filter_rules, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $1, NULL, 1, 1)', [connectionId, ORG, ENV, sourceId, destinationId])
	return { sourceId, connectionId }
}

async function storedEvent(store: Store, sourceId: string, body: string): Promise<string> {
	const id = newId('evt')
	await exec(store, `INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_inline, payload_size, verification_status, dedup_status, status, received_at)
		VALUES ($1, $2, $3, $4, 'POST', '{}', $5, $6, 'skipped', 'unique', 'delivered', 1)`, [id, ORG, ENV, sourceId, new TextEncoder().encode(body) as never, body.length])
	return id
}

function job(destinationId: string, total: number, over: Partial<ReplayJobRow> = {}): ReplayJobRow {
	return {
		id: newId('rpl'), org_id: ORG, env_id: ENV, destination_id: destinationId, source_id: null, connection_id: null, filter: null, from_at: 0, to_at: 10,
		rate_limit: 10, max_events: 100, status: 'running', total, enqueued: 0, error: null, started_at: 1, completed_at: null, created_at: 1, updated_at: 1, ...over
	}
}

for (const backend of BACKENDS) {
	describe(`replay repo [${backend.name}]`, () => {
		let store: Store
		let close: () => Promise<void>
		beforeAll(async () => {
			;({ store, close } = await backend.open())
			await seedTenant(store)
		})
		afterAll(() => close())

		it('finds connections and candidate events with their bodies, oldest first', async () => {
			const d = await destination(store)
			const { sourceId, connectionId } = await sourceAndConnection(store, d)
			const e1 = await storedEvent(store, sourceId, '{"a":1}')
			const e2 = await storedEvent(store, sourceId, '{"a":2}')
			expect(await store.replay.connections(ENV, d, null, null)).toEqual([{ id: connectionId, source_id: sourceId, filter_rules: null }])
			expect(await store.replay.connections(ENV, d, connectionId, 'src_other')).toEqual([])
			const found = await store.replay.candidates(ENV, [sourceId], 'evt_', 'evt_~', '', 10)
			expect(found.map((c) => [c.id, new TextDecoder().decode(c.body as Uint8Array)])).toEqual([[e1, '{"a":1}'], [e2, '{"a":2}']])
			expect((await store.replay.candidates(ENV, [sourceId], 'evt_', 'evt_~', e1, 10)).map((c) => c.id)).toEqual([e2])
		})

		it('enqueues items as outbox rows in order, skips a gone event, counts progress, and never fills a slot twice', async () => {
			const d = await destination(store)
			const { sourceId, connectionId } = await sourceAndConnection(store, d)
			const events = [await storedEvent(store, sourceId, '1'), 'evt_gone', await storedEvent(store, sourceId, '3'), await storedEvent(store, sourceId, '4')]
			const j = job(d, 4)
			await store.replay.create(j, events.map((eventId) => ({ eventId, connectionId })))
			expect(await store.replay.job(j.id)).toEqual(j)
			expect((await store.replay.running()).map((r) => r.id)).toContain(j.id)
			const ids = [newId('dlv'), newId('dlv'), newId('dlv')]
			expect(await store.replay.enqueue(j, [100, 200], ids.slice(0, 2), 50)).toBe(2)
			// A second runner that read the job before that enqueue: the two slots it wanted are taken, one is left.
			expect(await store.replay.enqueue(j, [100, 200, 300], [newId('dlv'), newId('dlv'), ids[2] as string], 60)).toBe(1)
			const queued = await rows<{ id: string; event_id: string; due_at: number; trigger_type: string }>(store,
				"SELECT id, event_id, due_at, trigger_type FROM deliveries WHERE destination_id = $1 ORDER BY due_at", [d])
			expect(queued).toEqual([
				{ id: ids[0] as string, event_id: events[0] as string, due_at: 100, trigger_type: 'replay' },
				{ id: ids[2] as string, event_id: events[2] as string, due_at: 300, trigger_type: 'replay' }
			])
			expect((await store.replay.job(j.id))?.enqueued).toBe(3)
			await exec(store, "UPDATE deliveries SET state = 'delivered' WHERE id = $1", [ids[0] as string])
			expect(await store.replay.progress(j.id)).toEqual({ succeeded: 1, failed: 0, skipped: 1 })
			await store.replay.finish(j.id, 'completed', 70)
			expect(await store.replay.enqueue({ ...j, enqueued: 3 }, [400], [newId('dlv')], 80)).toBe(0)
			expect((await store.replay.job(j.id))?.status).toBe('completed')
			expect((await store.replay.list(ENV, 10)).map((r) => r.id)).toContain(j.id)
		})

		it('a cancelled job\'s delivery already claimed (in flight, or held ahead) stays: it is sent and recorded', async () => {
			const d = await destination(store)
			const { sourceId, connectionId } = await sourceAndConnection(store, d)
			const [e1, e2] = [await storedEvent(store, sourceId, 'x'), await storedEvent(store, sourceId, 'y')]
			const j = job(d, 2)
			await store.replay.create(j, [{ eventId: e1, connectionId }, { eventId: e2, connectionId }])
			const [claimedId, waitingId] = [newId('dlv'), newId('dlv')]
			await store.replay.enqueue(j, [100, 200], [claimedId, waitingId], 50)
			const [claimed] = await store.deliveries.claim(d, 150, 1, 'w_replay', 60_000)
			expect(claimed?.id).toBe(claimedId)
			expect(await store.replay.cancel(j.id, 160)).toBe(true)
			// The one not yet tried is taken back; the claimed one is left to its sender.
			expect(await rows(store, 'SELECT id FROM deliveries WHERE destination_id = $1', [d])).toEqual([{ id: claimedId }])
			const attempt = { id: newId('da'), org_id: ORG, env_id: ENV, delivery_id: claimedId, event_id: e1, connection_id: connectionId, destination_id: d, request_url: 'http://127.0.0.1:1/',
				request_method: 'POST', request_headers: null, request_body_size: 1, response_status: 200, response_headers: null, response_body: null, duration_ms: 1, status: 'success' as const,
				error: null, error_type: null, created_at: 170, attempt_number: 1, next_retry_at: null, is_dlq: 0, dlq_at: null, trigger_type: 'replay' }
			expect(await store.deliveries.completeBatch([{ owner: 'w_replay', attempt, next: { state: 'delivered', dueAt: 170 }, circuit: null, issues: [] }])).toBe(1)
			expect(await rows(store, 'SELECT state FROM deliveries WHERE id = $1', [claimedId])).toEqual([{ state: 'delivered' }])
			expect(await rows(store, 'SELECT id FROM delivery_attempts WHERE delivery_id = $1', [claimedId])).toEqual([{ id: attempt.id }])
		})

		it('cancel stops a running job and takes back its deliveries not yet tried; purge removes old finished jobs', async () => {
			const d = await destination(store)
			const { sourceId, connectionId } = await sourceAndConnection(store, d)
			const e = await storedEvent(store, sourceId, 'x')
			await store.replay.purgeFinished(Number.MAX_SAFE_INTEGER) // what earlier tests finished: this one counts its own jobs
			const j = job(d, 1)
			await store.replay.create(j, [{ eventId: e, connectionId }])
			await store.replay.enqueue(j, [100], [newId('dlv')], 50)
			const older = job(d, 1)
			await store.replay.create(older, [{ eventId: e, connectionId }])
			await store.replay.finish(older.id, 'completed', 70)
			const running = job(d, 1)
			await store.replay.create(running, [{ eventId: e, connectionId }])
			expect(await store.replay.cancel(j.id, 90)).toBe(true)
			expect(await store.replay.cancel(j.id, 91)).toBe(false)
			expect(await rows(store, 'SELECT id FROM deliveries WHERE destination_id = $1', [d])).toEqual([])
			// Finished before 90: only `older`; j finished at 90 and `running` never did.
			expect(await store.replay.purgeFinished(90)).toBe(1)
			expect(await store.replay.job(older.id)).toBeNull()
			expect(await store.replay.job(j.id)).not.toBeNull()
			expect(await store.replay.purgeFinished(91)).toBe(1)
			expect(await store.replay.job(j.id)).toBeNull()
			expect(await store.replay.job(running.id)).not.toBeNull()
		})
	})
}
