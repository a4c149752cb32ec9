import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CLOSED, type Circuit } from '../../src/delivery/breaker'
import { Database } from 'bun:sqlite'
import { MARK_MS } from '../../src/delivery/memory-leases'
import { DestinationOwnership } from '../../src/delivery/ownership'
import type { AttemptOutcome, DeliveryRepo, DeliveryRow } from '../../src/delivery/repo'
import { newId } from '../../src/lib/ids'
import type { Store } from '../../src/store'
import { BACKENDS, destination, ENV, event, exec, ORG, outcome, rows, seedTenant } from './delivery-fixtures'
import { holdTransaction, untilWaitingForLock } from './pg-race'

/**
 * The delivery repo's contract on both engines: the queue (claim, leases, their release),
 * recording outcomes, requeueing, the breaker columns and destination ownership leases.
 */

/** The status the API shows (events queries), and the one ingest stored in the events row. */
const statusOf = async (store: Store, eventId: string) => (await store.events.findById(eventId))?.status
const storedStatusOf = async (store: Store, eventId: string) => (await rows<{ status: string }>(store, 'SELECT status FROM events WHERE id = $1', [eventId]))[0]?.status

for (const backend of BACKENDS) {
	describe(`delivery repo [${backend.name}]`, () => {
		let store: Store
		let repo: DeliveryRepo
		let close: () => Promise<void>
		beforeAll(async () => {
			;({ store, close } = await backend.open())
			repo = store.deliveries
			await seedTenant(store)
		})
		afterAll(() => close())

		it('claims due deliveries of one destination oldest first, leased to the claimer, up to the limit', async () => {
			const d = await destination(store)
			const other = await destination(store)
			const a = await event(store, [d], 300)
			const b = await event(store, [d], 100)
			const c = await event(store, [d, other], 200)
			await event(store, [d], 10_000) // not due yet
			expect((await repo.destinationsWithWork()).sort()).toEqual([d, other].sort())
			expect(await repo.nextDueAfter(d, 0)).toBe(100)
			const first = await repo.claim(d, 1000, 2, 'w_a', 61_000)
			expect(first.map((r) => r.event_id)).toEqual([b.eventId, c.eventId])
			for (const r of first) expect(r).toMatchObject({ state: 'leased', lease_owner: 'w_a', lease_expires_at: 61_000, destination_id: d, updated_at: 1000 })
			const second = await repo.claim(d, 1000, 10, 'w_b', 61_000)
			expect(second.map((r) => r.event_id)).toEqual([a.eventId])
			expect(await repo.claim(d, 1000, 10, 'w_b', 61_000)).toEqual([])
			expect(await repo.nextDueAfter(d, 1000)).toBe(10_000)
			expect((await repo.findById(first[0]?.id as string))?.state).toBe('leased')
			expect(await repo.findById('dlv_missing')).toBeNull()
		})

		it('a claim passes over leased rows; the next due time is the first after now', async () => {
			const d = await destination(store)
			const a = await event(store, [d], 100)
			const b = await event(store, [d], 200)
			const later = await event(store, [d], 5_000)
			expect(await repo.nextDueAfter(d, 50)).toBe(100)
			expect(await repo.nextDueAfter(d, 1000)).toBe(5_000)
			expect((await repo.claim(d, 1000, 1, 'w_next', 61_000)).map((r) => r.event_id)).toEqual([a.eventId])
			expect((await repo.claim(d, 1000, 10, 'w_next', 61_000)).map((r) => r.event_id)).toEqual([b.eventId])
			expect((await repo.claim(d, 6000, 10, 'w_next', 61_000)).map((r) => r.event_id)).toEqual([later.eventId])
			expect(await repo.nextDueAfter(d, 6000)).toBeNull()
			await repo.releaseOwned('w_next')
			expect((await repo.claim(d, 6000, 10, 'w_again', 61_000)).map((r) => r.event_id)).toEqual([a.eventId, b.eventId, later.eventId])
			await repo.releaseOwned('w_again')
		})

		if (backend.name === 'sqlite')
			it('SQLite holds leases in memory: a claim writes nothing, and a row leased in storage (an older server) is passed over until swept', async () => {
				const d = await destination(store)
				const a = await event(store, [d], 100)
				const b = await event(store, [d], 200)
				const [stale] = await rows<{ id: string }>(store, 'SELECT id FROM deliveries WHERE event_id = $1', [a.eventId])
				await exec(store, "UPDATE deliveries SET state = 'leased', lease_owner = 'w_old', lease_expires_at = 50000 WHERE id = $1", [stale?.id])
				const changesBefore = (await rows<{ n: number }>(store, 'SELECT total_changes() AS n'))[0]?.n
				// A full claim of one: the claim mark (memory-leases.ts) is set at it.
				const claimed = await repo.claim(d, 1000, 1, 'w_mem', 61_000)
				expect(claimed.map((r) => r.event_id)).toEqual([b.eventId])
				expect((await rows<{ n: number }>(store, 'SELECT total_changes() AS n'))[0]?.n).toBe(changesBefore)
				expect(await rows(store, 'SELECT state, lease_owner FROM deliveries WHERE id = $1', [claimed[0]?.id])).toEqual([{ state: 'queued', lease_owner: null }])
				expect(await repo.findById(claimed[0]?.id as string)).toMatchObject({ state: 'leased', lease_owner: 'w_mem', lease_expires_at: 61_000 })
				// The storage lease runs out first: swept back below the mark (which no longer holds), then claimed into memory.
				await repo.releaseExpired(55_000)
				expect(await rows(store, 'SELECT state FROM deliveries WHERE id = $1', [stale?.id])).toEqual([{ state: 'queued' }])
				expect((await repo.claim(d, 1001, 10, 'w_mem', 120_000)).map((r) => r.event_id)).toEqual([a.eventId])
				await repo.releaseOwned('w_mem')
				expect((await repo.claim(d, 55_000, 10, 'w_mem', 120_000)).map((r) => r.event_id)).toEqual([a.eventId, b.eventId])
				await repo.releaseOwned('w_mem')
			})

		it('concurrent claims of one destination never hand out a row twice', async () => {
			const d = await destination(store)
			const all: string[] = []
			for (let i = 0; i < 40; i++) all.push(...(await event(store, [d], 100 + i)).deliveries)
			const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => repo.claim(d, 1000, 7, `w_${i}`, 61_000)))
			const got = claims.flat().map((r) => r.id)
			expect(new Set(got).size).toBe(got.length)
			const rest = await repo.claim(d, 1000, 100, 'w_last', 61_000)
			expect([...got, ...rest.map((r) => r.id)].sort()).toEqual(all.sort())
		})

		// SQLite starts a claim past the destination's claim mark (memory-leases.ts) while it holds:
		// each case below is one way a row can sort below the rows claimed before it.
		it('claims in order past the rows out; a row given back is claimed again first, and never a row still out', async () => {
			const d = await destination(store)
			const ids: string[] = []
			for (let i = 0; i < 8; i++) ids.push((await event(store, [d], 100 + i)).deliveries[0] as string)
			const claim = async (limit: number) => (await repo.claim(d, 1000, limit, 'w_m', 61_000)).map((r) => ids.indexOf(r.id))
			expect(await claim(3)).toEqual([0, 1, 2])
			expect(await claim(2)).toEqual([3, 4])
			await repo.releaseLeases([ids[1] as string], 'w_m')
			// One row, below rows still out (a probe's claim): the next claim must not start past it.
			expect(await claim(1)).toEqual([1])
			expect(await claim(2)).toEqual([5, 6])
			await repo.releaseOwned('w_m')
		})

		it('claims a retry that went back to the queue below the rows claimed since, in the next claim', async () => {
			const d = await destination(store)
			const ids: string[] = []
			for (let i = 0; i < 4; i++) ids.push((await event(store, [d], 100 + i)).deliveries[0] as string)
			const [first] = await repo.claim(d, 1000, 2, 'w_q', 61_000)
			// Due again at its old time: it sorts below the second row claimed.
			expect(await repo.completeBatch([outcome('w_q', first as never, { state: 'queued', dueAt: 100 })])).toBe(1)
			expect((await repo.claim(d, 1000, 5, 'w_q', 61_000)).map((r) => ids.indexOf(r.id))).toEqual([0, 2, 3])
			await repo.releaseOwned('w_q')
		})

		it(`claims a row stored below the rows claimed before it (an event stored late) within ${MARK_MS} ms, and at once when the queue past them runs short`, async () => {
			const d = await destination(store)
			for (let i = 0; i < 6; i++) await event(store, [d], 100 + i)
			const claim = async (now: number, limit: number) => (await repo.claim(d, now, limit, 'w_l', 61_000)).map((r) => r.due_at)
			expect(await claim(1000, 2)).toEqual([100, 101])
			const late = await event(store, [d], 50)
			// SQLite passes it over while the mark set at 1000 holds; PostgreSQL has no mark and claims it first.
			const next = await claim(1000 + MARK_MS - 1, 2)
			expect(next).toEqual(backend.name === 'sqlite' ? [102, 103] : [50, 102])
			const after = await claim(1000 + MARK_MS, 2)
			expect([...next, ...after]).toContain(50)
			expect(await repo.findById(late.deliveries[0] as string)).toMatchObject({ state: 'leased', lease_owner: 'w_l' })
			await repo.releaseOwned('w_l')
			// Too few rows past the mark: the claim walks the whole queue instead, so a caller told of
			// fewer rows than it asked for can take the queue for empty.
			for (let i = 0; i < 3; i++) await event(store, [d], 200 + i)
			expect(await claim(2000, 2)).toEqual([50, 100])
			const early = await event(store, [d], 60)
			expect(await claim(2000, 10)).toEqual([60, 101, 102, 103, 104, 105, 200, 201, 202])
			expect(await claim(2000, 10)).toEqual([])
			expect(await repo.findById(early.deliveries[0] as string)).toMatchObject({ state: 'leased' })
			await repo.releaseOwned('w_l')
		})

		it('a claim that finds too few rows past the mark takes the oldest due, as without one, and never more than asked', async () => {
			const d = await destination(store)
			for (const due of [100, 101]) await event(store, [d], due)
			const claim = async (limit: number) => (await repo.claim(d, 1000, limit, 'w_x', 61_000)).map((r) => r.due_at)
			expect(await claim(2)).toEqual([100, 101])
			for (const due of [50, 51, 52, 200]) await event(store, [d], due)
			expect(await claim(3)).toEqual([50, 51, 52])
			expect(await claim(0)).toEqual([])
			expect(await claim(-1)).toEqual([])
			expect(await claim(5)).toEqual([200])
			await repo.releaseOwned('w_x')
		})

		if (backend.name === 'sqlite') {
			it('never hands out a leased row whose due time moved past the mark (no writer moves one today)', async () => {
				const d = await destination(store)
				const ids: string[] = []
				for (let i = 0; i < 4; i++) ids.push((await event(store, [d], 100 + i)).deliveries[0] as string)
				const [first] = await repo.claim(d, 1000, 2, 'w_g', 61_000)
				await exec(store, 'UPDATE deliveries SET due_at = 500 WHERE id = $1', [first?.id])
				// Past the mark: rows 2, 3 and the moved one, as many as asked for.
				expect((await repo.claim(d, 1000, 3, 'w_g', 61_000)).map((r) => ids.indexOf(r.id))).toEqual([2, 3])
				await repo.releaseOwned('w_g')
			})

			it('rows leased in storage (an older server) swept back by any path are claimed past a mark at once', async () => {
				const d = await destination(store)
				const ids: string[] = []
				for (let i = 0; i < 12; i++) ids.push((await event(store, [d], 100 + i)).deliveries[0] as string)
				// w_s owns the destination: a sweep of orphaned leases leaves its own.
				expect(await repo.takeDestinations([d], 'w_s', 1e9, 1000)).toEqual([d])
				const inStorage = (id: string, owner: string) => exec(store, "UPDATE deliveries SET state = 'leased', lease_owner = $2, lease_expires_at = 90000 WHERE id = $1", [id, owner])
				await inStorage(ids[0] as string, 'w_old')
				await inStorage(ids[1] as string, 'w_gone')
				// Claims of two: each full, so each sets the mark.
				const claim = async (now: number) => (await repo.claim(d, now, 2, 'w_s', 61_000)).map((r) => ids.indexOf(r.id))
				expect(await claim(1000)).toEqual([2, 3])
				await repo.releaseOwned('w_old')
				expect(await claim(1001)).toEqual([0, 4])
				await repo.releaseLeases([ids[1] as string], 'w_gone')
				expect(await claim(1002)).toEqual([1, 5])
				// A dead instance's storage lease, swept when its ownership has lapsed.
				await exec(store, "UPDATE deliveries SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id = $1", [ids[6]])
				await inStorage(ids[6] as string, 'w_dead')
				expect(await claim(1003)).toEqual([7, 8])
				expect(await repo.releaseOrphaned(1004)).toBeGreaterThanOrEqual(1) // earlier tests' leases too
				expect(await claim(1005)).toEqual([6, 9])
				await repo.releaseOwned('w_s')
				await repo.releaseDestinations('w_s')
			})
		}

		it('releases expired leases, an owner\'s leases and listed leases of their owner only', async () => {
			const d = await destination(store)
			for (let i = 0; i < 6; i++) await event(store, [d], 100 + i)
			const [x1, x2] = await repo.claim(d, 1000, 2, 'w_x', 2000)
			const [y1, y2] = await repo.claim(d, 1000, 2, 'w_y', 9000)
			const [z1, z2] = await repo.claim(d, 1000, 2, 'w_z', 9000)
			expect(await repo.releaseExpired(1999)).toBe(0)
			expect(await repo.releaseExpired(2001)).toBe(2)
			expect((await repo.findById(x1?.id as string))?.state).toBe('queued')
			await repo.releaseOwned('w_y')
			expect((await repo.findById(y2?.id as string))).toMatchObject({ state: 'queued', lease_owner: null, lease_expires_at: null })
			await repo.releaseLeases([z1?.id as string, z2?.id as string, y1?.id as string], 'w_other')
			expect((await repo.findById(z1?.id as string))?.state).toBe('leased')
			await repo.releaseLeases([z1?.id as string], 'w_z')
			expect((await repo.findById(z1?.id as string))?.state).toBe('queued')
			expect((await repo.findById(z2?.id as string))?.state).toBe('leased')
			expect((await repo.claim(d, 1000, 10, 'w_n', 9000)).map((r) => r.id).sort()).toEqual([x1, x2, y1, y2, z1].map((r) => r?.id as string).sort())
			void x2
		})

		it('records outcomes: next state, attempt row, event status, counters, breaker; a lost lease writes nothing', async () => {
			const d = await destination(store)
			const other = await destination(store)
			const e = await event(store, [d, other], 100)
			const [mine] = await repo.claim(d, 1000, 1, 'w_rec', 61_000)
			const [theirs] = await repo.claim(other, 1000, 1, 'w_rec', 61_000)
			const open: Circuit = { state: 'open', failure_count: 5, opened_at: 4000, next_probe_at: 9000, last_transition_at: 4000 }
			const done = await repo.completeBatch([
				outcome('w_rec', mine as never, { state: 'delivered', dueAt: 100 }),
				outcome('w_stale', theirs as never, { state: 'delivered', dueAt: 100 }),
				outcome('w_rec', theirs as never, { state: 'dead', dueAt: 100 }, { circuit: open, issues: [{ id: newId('iss'), errorType: 'http_5xx', message: 'HTTP 500' }] })
			])
			expect(done).toBe(2)
			expect(await repo.findById(mine?.id as string)).toMatchObject({ state: 'delivered', attempts: 1, lease_owner: null })
			expect(await repo.findById(theirs?.id as string)).toMatchObject({ state: 'dead', attempts: 1 })
			expect(await statusOf(store, e.eventId)).toBe('partial')
			// The outcome does not rewrite the events row (it carries the body): its status is ingest's.
			expect(await storedStatusOf(store, e.eventId)).toBe('pending')
			const attempts = await rows<{ delivery_id: string; status: string; is_dlq: number }>(store, 'SELECT delivery_id, status, is_dlq FROM delivery_attempts WHERE event_id = $1 ORDER BY is_dlq', [e.eventId])
			expect(attempts).toEqual([{ delivery_id: mine?.id as string, status: 'success', is_dlq: 0 }, { delivery_id: theirs?.id as string, status: 'failed', is_dlq: 1 }])
			expect(await rows(store, 'SELECT event_count, last_delivery_at FROM destinations WHERE id = $1', [d])).toEqual([{ event_count: 1, last_delivery_at: 5000 }])
			expect(await repo.getCircuit(other)).toEqual(open)
			expect(await repo.getCircuit(d)).toEqual(CLOSED)
			const issues = await rows<{ occurrence_count: number; recent_attempt_ids: string }>(store, 'SELECT occurrence_count, recent_attempt_ids FROM issues WHERE destination_id = $1', [other])
			expect(issues.map((i) => i.occurrence_count)).toEqual([1])
			// Finishing again (the lease is gone now) changes nothing.
			expect(await repo.completeBatch([outcome('w_rec', mine as never, { state: 'dead', dueAt: 1 })])).toBe(0)
			expect((await repo.findById(mine?.id as string))?.state).toBe('delivered')
		})

		it('a retry goes back to the queue; an event stays pending until every delivery settles; issues grow', async () => {
			const d = await destination(store)
			const e = await event(store, [d], 100)
			const [row] = await repo.claim(d, 1000, 1, 'w_r', 61_000)
			const issue = { id: newId('iss'), errorType: 'timeout', message: 'timed out' }
			expect(await repo.completeBatch([outcome('w_r', row as never, { state: 'queued', dueAt: 7000 }, { issues: [issue] })])).toBe(1)
			expect(await repo.findById(row?.id as string)).toMatchObject({ state: 'queued', attempts: 1, due_at: 7000 })
			expect(await statusOf(store, e.eventId)).toBe('pending')
			const [again] = await repo.claim(d, 7000, 1, 'w_r', 61_000)
			expect(await repo.completeBatch([outcome('w_r', again as never, { state: 'dead', dueAt: 7000 }, { issues: [{ ...issue, id: newId('iss'), message: 'timed out again' }] })])).toBe(1)
			expect(await statusOf(store, e.eventId)).toBe('failed')
			const issues = await rows<{ occurrence_count: number; message: string; recent_attempt_ids: string }>(store, 'SELECT occurrence_count, message, recent_attempt_ids FROM issues WHERE destination_id = $1', [d])
			expect(issues).toHaveLength(1)
			expect(issues[0]).toMatchObject({ occurrence_count: 2, message: 'timed out again' })
			expect(JSON.parse(issues[0]?.recent_attempt_ids as string)).toHaveLength(2)
		})

		it('requeues dead deliveries, lists them by error type, and closes a deleted destination\'s queue', async () => {
			const d = await destination(store)
			const e1 = await event(store, [d], 100)
			const e2 = await event(store, [d], 101)
			const [r1, r2] = await repo.claim(d, 1000, 2, 'w_q', 61_000)
			const dead = (r: unknown, type: string) => {
				const o = outcome('w_q', r as never, { state: 'dead', dueAt: 100 })
				o.attempt.error_type = type
				return o
			}
			await repo.completeBatch([dead(r1, 'timeout'), dead(r2, 'http_5xx')])
			expect(await repo.deadOfDestination(d, 'timeout')).toEqual([r1?.id as string])
			expect((await repo.deadOfDestination(d, null)).sort()).toEqual([r1?.id as string, r2?.id as string].sort())
			expect(await repo.requeue([r1?.id as string, 'dlv_missing', r2?.id as string], 8000, 'manual_retry')).toEqual([r1?.id as string, r2?.id as string])
			expect(await repo.findById(r1?.id as string)).toMatchObject({ state: 'queued', attempts: 0, due_at: 8000, trigger_type: 'manual_retry' })
			expect(await statusOf(store, e1.eventId)).toBe('pending')
			expect(await repo.requeue([r1?.id as string], 8000, 'manual_retry')).toEqual([]) // queued, not finished
			await repo.claim(d, 9000, 1, 'w_q', 61_000)
			expect(await repo.abandonDestination(d, 9500)).toBe(2)
			expect((await repo.findById(r2?.id as string))?.state).toBe('dead')
			expect([await statusOf(store, e1.eventId), await statusOf(store, e2.eventId)]).toEqual(['failed', 'failed'])
		})

		it('closing a deleted destination\'s queue leaves a delivery an outcome finished meanwhile delivered (PostgreSQL: the row waited on)', async () => {
			const d = await destination(store)
			const e = await event(store, [d], 100)
			const [row] = await repo.claim(d, 1000, 1, 'w_race', 61_000)
			if (store.backend.kind !== 'postgres') {
				// One writer: the outcome commits first, and the close finds nothing open.
				expect(await repo.completeBatch([outcome('w_race', row as never, { state: 'delivered', dueAt: 100 })])).toBe(1)
				expect(await repo.abandonDestination(d, 9500)).toBe(0)
			} else {
				const pg = store.backend.pg
				// An outcome's transaction holds the row (as FINISH_MANY does) while the close runs.
				const finish = await holdTransaction(pg, [["UPDATE deliveries SET state = 'delivered', lease_owner = NULL, lease_expires_at = NULL WHERE id = $1", [row?.id]]])
				const closing = repo.abandonDestination(d, 9500)
				await untilWaitingForLock(pg)
				await finish.release()
				expect(await closing).toBe(0)
			}
			expect((await repo.findById(row?.id as string))?.state).toBe('delivered')
			expect(await rows(store, "SELECT COUNT(*) AS n FROM deliveries WHERE event_id = $1 AND state = 'dead'", [e.eventId])).toEqual([{ n: 0 }])
		})

		it('an event settled before migration 15 (its status in the events row) shows what its deliveries give it as they change', async () => {
			const d = await destination(store)
			const e = await event(store, [d], 100)
			// As a database migrated from before: the delivery finished and its status written into the events row.
			await exec(store, "UPDATE deliveries SET state = 'delivered', attempts = 1 WHERE event_id = $1", [e.eventId])
			await exec(store, "UPDATE events SET status = 'delivered' WHERE id = $1", [e.eventId])
			expect(await statusOf(store, e.eventId)).toBe('delivered')
			const delivered = await store.events.count({ envId: ENV, status: 'delivered' })
			expect(await repo.requeue(e.deliveries, 8000, 'manual_retry')).toEqual(e.deliveries)
			expect(await statusOf(store, e.eventId)).toBe('pending')
			expect(await store.events.count({ envId: ENV, status: 'delivered' })).toBe(delivered - 1)
			const [row] = await repo.claim(d, 9000, 1, 'w_old', 61_000)
			expect(await repo.completeBatch([outcome('w_old', row as never, { state: 'dead', dueAt: 9000 })])).toBe(1)
			expect(await statusOf(store, e.eventId)).toBe('failed')
			expect(await storedStatusOf(store, e.eventId)).toBe('delivered')
		})

		it("an event's status follows deliveries added after it settled (a replay): pending while one is open, then what all of them give", async () => {
			const d = await destination(store)
			const e = await event(store, [d], 100)
			const [first] = await repo.claim(d, 1000, 1, 'w_rp', 61_000)
			expect(await repo.completeBatch([outcome('w_rp', first as never, { state: 'delivered', dueAt: 100 })])).toBe(1)
			expect(await statusOf(store, e.eventId)).toBe('delivered')
			const pendingBefore = await store.events.count({ envId: ENV, status: 'pending' })
			// As the replay repo queues one (src/replay/repo-sql.ts INSERT_DELIVERY): a new row, nothing else written.
			const f = first as DeliveryRow
			await exec(store, `INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, 2000, 'replay', 2000, 2000)`, [newId('dlv'), f.org_id, f.env_id, f.event_id, f.connection_id, f.destination_id])
			expect(await statusOf(store, e.eventId)).toBe('pending')
			expect(await store.events.count({ envId: ENV, status: 'pending' })).toBe(pendingBefore + 1)
			const [replayed] = await repo.claim(d, 3000, 1, 'w_rp', 61_000)
			expect(replayed?.trigger_type).toBe('replay')
			expect(await repo.completeBatch([outcome('w_rp', replayed as never, { state: 'dead', dueAt: 3000 })])).toBe(1)
			expect(await statusOf(store, e.eventId)).toBe('partial')
			expect(await store.events.count({ envId: ENV, status: 'pending' })).toBe(pendingBefore)
			// What ingest stored stays as it was.
			expect(await storedStatusOf(store, e.eventId)).toBe('pending')
		})

		it('an outcome of an event retention is purging records nothing: no attempt outlives its event (PostgreSQL: the outcome waits for retention to commit)', async () => {
			const d = await destination(store)
			const e = await event(store, [d], 100)
			const [row] = await repo.claim(d, 1000, 1, 'w_ret', 61_000)
			const purge = ['SELECT id FROM events WHERE id = $1 FOR UPDATE', 'DELETE FROM delivery_attempts WHERE event_id = $1', 'DELETE FROM deliveries WHERE event_id = $1', 'DELETE FROM events WHERE id = $1']
			const recording = outcome('w_ret', row as never, { state: 'delivered', dueAt: 100 })
			if (store.backend.kind !== 'postgres') {
				// One writer: retention commits first, and the outcome finds its delivery gone.
				for (const sql of purge.slice(1)) await exec(store, sql, [e.eventId])
				expect(await repo.completeBatch([recording])).toBe(0)
			} else {
				const pg = store.backend.pg
				// Retention's transaction has locked the event (as PURGE's FOR UPDATE SKIP LOCKED does) and deleted it with its children.
				const retention = await holdTransaction(pg, purge.map((sql) => [sql, [e.eventId]]))
				const recorded = repo.completeBatch([recording])
				await untilWaitingForLock(pg)
				await retention.release()
				expect(await recorded).toBe(0)
			}
			expect(await rows(store, 'SELECT COUNT(*) AS n FROM delivery_attempts WHERE event_id = $1', [e.eventId])).toEqual([{ n: 0 }])
			expect(await repo.findById(row?.id as string)).toBeNull()
		})

		it.skipIf(backend.name !== 'postgres')('retention skips an event whose outcome is being recorded, and purges it with its attempt afterwards (PostgreSQL: the event lock)', async () => {
			if (store.backend.kind !== 'postgres') throw new Error('PostgreSQL only')
			const pg = store.backend.pg
			const d = await destination(store)
			const e = await event(store, [d], 100)
			const [row] = await repo.claim(d, 1000, 1, 'w_ret2', 61_000)
			// The outcome's transaction is held at its finish (another transaction holds the delivery row), after it locked the event.
			const blocker = await holdTransaction(pg, [['UPDATE deliveries SET updated_at = updated_at WHERE id = $1', [row?.id]]])
			const recorded = repo.completeBatch([outcome('w_ret2', row as never, { state: 'delivered', dueAt: 100 })])
			await untilWaitingForLock(pg)
			// Retention passes the event by instead of deleting it under the outcome (whose attempt it would not see):
			// it returns at once; without the outcome's lock on the event it would wait on the delivery row.
			const purge = store.events.purgeBefore(newId('evt', Date.now() + 1000), 1000)
			const decided = new AbortController()
			const waited = await Promise.race([purge.then(() => false), untilWaitingForLock(pg, 2, decided.signal).then(() => true)])
			decided.abort()
			if (waited) await blocker.release()
			expect(waited).toBe(false)
			expect(await rows(store, 'SELECT COUNT(*) AS n FROM events WHERE id = $1', [e.eventId])).toEqual([{ n: 1 }])
			await blocker.release()
			expect(await recorded).toBe(1)
			// Once the outcome committed, retention deletes the event with its attempt (other tests' events may go too).
			expect(await store.events.purgeBefore(newId('evt', Date.now() + 1000), 1000)).toBeGreaterThanOrEqual(1)
			expect(await rows(store, 'SELECT COUNT(*) AS n FROM events WHERE id = $1', [e.eventId])).toEqual([{ n: 0 }])
			expect(await rows(store, 'SELECT COUNT(*) AS n FROM delivery_attempts WHERE event_id = $1', [e.eventId])).toEqual([{ n: 0 }])
		})

		it('records the outcome of a delivery whose event was deleted while it was out', async () => {
			const d = await destination(store)
			const e = await event(store, [d], 100)
			const [row] = await repo.claim(d, 1000, 1, 'w_gone', 61_000)
			await exec(store, 'DELETE FROM events WHERE id = $1', [e.eventId])
			expect(await repo.completeBatch([outcome('w_gone', row as never, { state: 'delivered', dueAt: 100 })])).toBe(1)
			expect((await repo.findById(row?.id as string))?.state).toBe('delivered')
			expect(await rows(store, 'SELECT COUNT(*) AS n FROM delivery_attempts WHERE delivery_id = $1', [row?.id])).toEqual([{ n: 1 }])
		})

		it('reads the inline payloads of many events at once; the payload epoch moves with retention (SQLite only)', async () => {
			const d = await destination(store)
			const [a, b, large] = [await event(store, [d], 100), await event(store, [d], 100), await event(store, [d], 100)]
			const blob = backend.name === 'sqlite' ? 'CAST($2 AS BLOB)' : "convert_to($2, 'UTF8')"
			await exec(store, `UPDATE events SET payload_inline = ${blob}, content_type = 'application/json' WHERE id = $1`, [a.eventId, '{"a":1}'])
			await exec(store, `UPDATE events SET payload_inline = ${blob} WHERE id = $1`, [b.eventId, 'bb'])
			// A body stored apart (payload_ref, no inline copy) is read at send time, not ahead.
			await exec(store, "UPDATE events SET payload_ref = 'event_payloads:' || id WHERE id = $1", [large.eventId])
			const read = await repo.readToDeliver([a.eventId, b.eventId, large.eventId, 'evt_missing'])
			expect(read.map((e) => [e.id, e.content_type, new TextDecoder().decode(e.payload_inline as Uint8Array)]).sort()).toEqual(
				[[a.eventId, 'application/json', '{"a":1}'], [b.eventId, null, 'bb']].sort()
			)
			expect(await repo.readToDeliver([])).toEqual([])
			const before = repo.payloadEpoch()
			if (backend.name !== 'sqlite') return expect(before).toBeNull() // other instances delete unseen
			expect(await store.events.purgeBefore(newId('evt', 1), 10)).toBe(0)
			expect(repo.payloadEpoch()).toBe(before)
			expect(await store.events.purgeBefore(newId('evt', Date.now() + 1000), 1000)).toBeGreaterThanOrEqual(3)
			expect(repo.payloadEpoch()).not.toBe(before)
		})

		if (backend.name === 'sqlite')
			it('the payload epoch moves after a commit by another connection to the file (a hand-run sqlite3, a CLI command)', async () => {
				if (store.backend.kind !== 'sqlite') throw new Error('SQLite only')
				const before = repo.payloadEpoch()
				const other = new Database(store.backend.db.filename as string)
				try {
					other.run('PRAGMA busy_timeout = 5000')
					other.run('CREATE TABLE IF NOT EXISTS other_connection_probe (x)')
					// Read once per event-loop turn: seen on a later one.
					const deadline = performance.now() + 2000
					while (repo.payloadEpoch() === before && performance.now() < deadline) await Bun.sleep(1)
					expect(repo.payloadEpoch()).not.toBe(before)
					other.run('DROP TABLE other_connection_probe')
				} finally {
					other.close()
				}
			})

		it('reads and writes the breaker columns; a missing destination answers null / false', async () => {
			const d = await destination(store)
			const c: Circuit = { state: 'half-open', failure_count: 3, opened_at: 1, next_probe_at: 2, last_transition_at: 3 }
			expect(await repo.setCircuit(d, c)).toBe(true)
			expect(await repo.getCircuit(d)).toEqual(c)
			expect(await repo.setCircuit('dst_missing', c)).toBe(false)
			expect(await repo.getCircuit('dst_missing')).toBeNull()
			await repo.bumpDelivered(d, 50)
			await repo.bumpDelivered(d, 40)
			expect(await rows(store, 'SELECT event_count, last_delivery_at FROM destinations WHERE id = $1', [d])).toEqual([{ event_count: 2, last_delivery_at: 50 }])
		})

		it('destination ownership: one owner at a time, renewals, takeover after expiry, release', async () => {
			const [d1, d2, d3] = [await destination(store), await destination(store), await destination(store)]
			expect((await repo.takeDestinations([d1, d2, d1], 'inst_a', 10_000, 1000)).sort()).toEqual([d1, d2].sort())
			// B cannot take what A holds, but gets what is free.
			expect(await repo.takeDestinations([d1, d2, d3], 'inst_b', 10_000, 1000)).toEqual([d3])
			// A renews its own before expiry.
			expect((await repo.takeDestinations([d1, d2], 'inst_a', 20_000, 9000)).sort()).toEqual([d1, d2].sort())
			expect(await repo.takeDestinations([d1], 'inst_b', 30_000, 19_999)).toEqual([])
			// Expired: B takes d1 over; A's renewal then fails for d1.
			expect(await repo.takeDestinations([d1], 'inst_b', 30_000, 20_000)).toEqual([d1])
			expect(await repo.takeDestinations([d1, d2], 'inst_a', 31_000, 21_000)).toEqual([d2])
			const owners = Object.fromEntries((await repo.destinationOwners()).filter((o) => [d1, d2, d3].includes(o.destination_id)).map((o) => [o.destination_id, [o.owner, o.lease_until]]))
			expect(owners).toEqual({ [d1]: ['inst_b', 30_000], [d2]: ['inst_a', 31_000], [d3]: ['inst_b', 10_000] })
			// A sole instance takes whatever it asks for.
			expect(await repo.takeDestinations([d1], 'inst_c', 40_000, Number.MAX_SAFE_INTEGER)).toEqual([d1])
			await repo.releaseDestination(d1, 'inst_a') // not A's: stays
			expect((await repo.destinationOwners()).find((o) => o.destination_id === d1)?.owner).toBe('inst_c')
			await repo.releaseDestination(d1, 'inst_c')
			await repo.releaseDestinations('inst_b')
			expect((await repo.destinationOwners()).filter((o) => [d1, d2, d3].includes(o.destination_id)).map((o) => o.destination_id)).toEqual([d2])
			expect(await repo.takeDestinations([], 'inst_a', 1, 1)).toEqual([])
			await repo.releaseDestinations('inst_a')
		})

		it('deliveries leased by an instance that lost the destination are swept back to the queue', async () => {
			await repo.releaseOrphaned(0) // earlier tests' leases (their owners hold no destination)
			const d = await destination(store)
			for (let i = 0; i < 3; i++) await event(store, [d], 100 + i)
			expect(await repo.takeDestinations([d], 'inst_dead', 5000, 1000)).toEqual([d])
			const leased = await repo.claim(d, 1000, 3, 'inst_dead', 200_000)
			expect(leased).toHaveLength(3)
			// While its ownership lease holds, its deliveries stay leased.
			expect(await repo.releaseOrphaned(4999)).toBe(0)
			// Lapsed: swept even before anyone takes the destination over, without waiting for the delivery lease.
			expect(await repo.releaseOrphaned(5000)).toBe(3)
			await repo.claim(d, 1000, 1, 'inst_dead', 200_000)
			expect(await repo.takeDestinations([d], 'inst_live', 9000, 6000)).toEqual([d])
			const [mine] = await repo.claim(d, 6000, 1, 'inst_live', 200_000)
			expect(await repo.releaseOrphaned(6000)).toBe(1)
			expect((await repo.findById(mine?.id as string))?.state).toBe('leased')
			await repo.releaseDestinations('inst_live')
		})
	})

	describe(`destination ownership between two instances [${backend.name}]`, () => {
		let store: Store
		let close: () => Promise<void>
		beforeAll(async () => {
			;({ store, close } = await backend.open())
			await seedTenant(store)
		})
		afterAll(() => close())
		const instance = (owner: string) => new DestinationOwnership(store.deliveries, { owner, leaseMs: 900 })

		it('one owner at a time; renewals hold; a lapsed lease moves and its holder learns it lost', async () => {
			const [d1, d2, d3] = [await destination(store), await destination(store), await destination(store)]
			const a = instance('inst_a')
			const b = instance('inst_b')
			expect((await a.take([d1, d2], 0)).sort()).toEqual([d1, d2].sort())
			expect(await a.take([d1, d2], 10)).toEqual([]) // held already: nothing new
			expect(await b.take([d1, d2, d3], 10)).toEqual([d3])
			expect([b.owns(d1, 10), a.owns(d1, 10), a.owns(d1, 900)]).toEqual([false, true, false])
			expect(await a.heartbeat(500)).toEqual({ lost: [], swept: 0 })
			expect(await b.take([d1], 1200)).toEqual([]) // renewed until 1400
			expect((await b.take([d1, d2], 1400)).sort()).toEqual([d1, d2].sort())
			expect((await a.heartbeat(1450)).lost.sort()).toEqual([d1, d2].sort())
			expect(a.held()).toEqual([])
		})

		it('gives up destinations idle for a third of the lease, and everything on a graceful stop', async () => {
			const d = await destination(store)
			const a = instance('inst_c')
			const b = instance('inst_d')
			await a.take([d], 0)
			await a.releaseIdle(100, () => false)
			await a.releaseIdle(200, () => true)
			await a.releaseIdle(400, () => true) // idle 200 ms < 300 ms
			expect(await b.take([d], 450)).toEqual([])
			await a.releaseIdle(500, () => true)
			expect(a.held()).toEqual([])
			expect(await b.take([d], 510)).toEqual([d])
			await b.releaseAll()
			expect(await a.take([d], 520)).toEqual([d])
		})

		it('a dead owner\'s leased deliveries return to the queue when its destination is taken over', async () => {
			const d = await destination(store)
			await event(store, [d], 100)
			const dead = instance('inst_dead2')
			const live = instance('inst_live2')
			await dead.take([d], 1000)
			const [row] = await store.deliveries.claim(d, 1000, 1, 'inst_dead2', 500_000)
			dead.abandon() // killed: nothing released
			expect(await live.take([d], 1899)).toEqual([])
			expect((await store.deliveries.findById(row?.id as string))?.state).toBe('leased')
			expect(await live.take([d], 1900)).toEqual([d])
			expect(await store.deliveries.findById(row?.id as string)).toMatchObject({ state: 'queued', lease_owner: null })
		})
	})
}
