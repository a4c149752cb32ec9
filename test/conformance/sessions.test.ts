import { beforeAll, describe, expect, it } from 'bun:test'
import { Conflict } from '../../src/lib/errors'
import { newId } from '../../src/lib/ids'
import type { SourceRow } from '../../src/sources/repo'
import type { Store } from '../../src/store'
import { NOW, sourceRow } from './fixtures'
import { rawSql } from '../support/raw-sql'
import { forEachBackend } from './backends'
import { outcome } from './delivery-fixtures'
import { holdIngestBatch, holdTransaction, untilWaitingForLock } from './pg-race'

/**
 * The test sessions repo on both engines. Events, payloads and deliveries belong to other
 * repos, so they are written here with plain portable SQL: what a session reads of them,
 * moves on claim and removes on delete is what is checked.
 */

const EVENT_INSERT = `INSERT INTO events (id, org_id, env_id, source_id, method, headers, query_params, content_type, source_ip, payload_inline,
	payload_ref, payload_size, verification_status, verification_error, dedup_status, dedup_hash, status, received_at, topic)
	VALUES ($1, $2, $3, $4, $5, '{}', NULL, 'text/plain', '127.0.0.1', NULL, $6, $7, 'skipped', NULL, 'unique', NULL, 'received', $8, NULL)`

/** An event of `src` whose body sits in event_payloads, with an outbox row. */
async function addEvent(store: Store, src: SourceRow, method: string, body: string): Promise<string> {
	const id = newId('evt')
	const bytes = new TextEncoder().encode(body)
	await rawSql(store).run(EVENT_INSERT, [id, src.org_id, src.env_id, src.id, method, id, bytes.length, NOW])
	await rawSql(store).run('INSERT INTO event_payloads (event_id, body) VALUES ($1, $2)', [id, bytes])
	await rawSql(store).run(
		`INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, due_at, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, 'conn_x', 'dst_x', 'queued', $5, $5, $5)`,
		[newId('dlv'), src.org_id, src.env_id, id, NOW]
	)
	return id
}

const count = async (store: Store, sql: string, id: string) => (await rawSql(store).get<{ n: number }>(sql, [id]))?.n ?? -1

forEachBackend('test sessions repo', (b) => {
	const store = () => b.store
	const home = { id: '', org_id: '' }
	const team = { id: '', org_id: '' }
	beforeAll(async () => {
		const t = store().tenancy
		Object.assign(home, await t.ensureDefault({ orgId: newId('org'), envId: newId('env') }, { org: 'Sessions', env: 'Sessions', envSlug: '~test-sessions' }, NOW))
		Object.assign(team, await t.createOrganization({ orgId: newId('org'), envId: newId('env') }, { org: 'Team', env: 'Prod', envSlug: 'prod' }, NOW))
	})
	const session = (slug: string, over: Partial<SourceRow> = {}) =>
		sourceRow(home, slug, { is_ephemeral: 1, expires_at: NOW + 1000, request_limit: 50, ...over })

	describe('sessions', () => {
		it('creates, finds, configures the answer and forwarding', async () => {
			const s = store().sessions
			const src = session('sess-a')
			await s.create(src, '10.0.0.9')
			expect(await s.find(src.id)).toEqual({
				source_id: src.id, org_id: home.org_id, env_id: home.id, slug: 'sess-a', event_count: 0, expires_at: NOW + 1000,
				request_limit: 50, created_at: NOW, created_ip: '10.0.0.9', response_status: null, response_content_type: null,
				response_body: null, forward_url: null, forward_enabled: 0
			})
			expect(await s.find('src_missing')).toBeNull()
			expect(await s.configured()).toEqual([])
			await s.setResponse(src.id, 418, 'text/plain', 'teapot')
			await s.setForwarding(src.id, 'https://example.com/f', true)
			expect(await s.configured()).toEqual([
				expect.objectContaining({ source_id: src.id, response_status: 418, response_content_type: 'text/plain', response_body: 'teapot', forward_url: 'https://example.com/f', forward_enabled: 1 })
			])
			await s.setResponse(src.id, null, null, null)
			await s.setForwarding(src.id, null, false)
			expect(await s.configured()).toEqual([])
			expect(await s.expiredBefore(NOW + 1001, 10)).toEqual([src.id])
			expect(await s.expiredBefore(NOW + 1000, 10)).toEqual([])
		})

		it('pages events newest first with notes, filters by method, exports bounded pages byte for byte', async () => {
			const s = store().sessions
			const src = session('sess-b')
			await s.create(src, null)
			const ids = [await addEvent(store(), src, 'POST', 'one'), await addEvent(store(), src, 'PUT', 'two-two'), await addEvent(store(), src, 'POST', 'three')]
			expect(await s.setNote(src.id, ids[1]!, 'look', NOW)).toBe(true)
			expect(await s.setNote(src.id, ids[1]!, 'look again', NOW + 1)).toBe(true)
			expect(await s.setNote('src_other', ids[0]!, 'x', NOW)).toBe(false)
			const page = await s.events(src.id, { cursor: null, limit: 2 })
			expect(page.map((e) => [e.id, e.note])).toEqual([[ids[2]!, null], [ids[1]!, 'look again']])
			expect((await s.events(src.id, { cursor: ids[1]!, limit: 5 })).map((e) => e.id)).toEqual([ids[0]!])
			expect((await s.events(src.id, { cursor: null, limit: 5, method: 'PUT' })).map((e) => e.id)).toEqual([ids[1]!])
			const bounded = await s.exportPage(src.id, '', 10, 4)
			expect(bounded.map((e) => [e.id, Buffer.from(e.stored_body ?? []).toString()])).toEqual([[ids[0]!, 'one'], [ids[1]!, 'two-two']])
			expect(bounded[1]!.note).toBe('look again')
			expect((await s.exportPage(src.id, ids[1]!, 10, 1_000_000)).map((e) => e.id)).toEqual([ids[2]!])
			expect(await s.exportPage(src.id, ids[2]!, 10, 1_000_000)).toEqual([])
			expect(await s.setNote(src.id, ids[1]!, null, NOW)).toBe(true)
			expect((await s.events(src.id, { cursor: null, limit: 5 })).every((e) => e.note === null)).toBe(true)
		})

		it('claims into an environment with its events, or answers 409 and changes nothing', async () => {
			const s = store().sessions
			const src = session('sess-c')
			await s.create(src, null)
			const evt = await addEvent(store(), src, 'POST', 'claimed')
			await store().sources.insert(sourceRow(team, 'sess-c'))
			const err = await s.claim(src.id, team.org_id, team.id, NOW + 5, 'sess-c').then(() => null, (e: unknown) => e)
			expect(err).toBeInstanceOf(Conflict)
			expect((await s.find(src.id))?.env_id).toBe(home.id)
			expect(await count(store(), 'SELECT COUNT(*) AS n FROM events WHERE env_id = $1', home.id)).toBeGreaterThan(0)

			const free = session('sess-d')
			await s.create(free, null)
			const moved = await addEvent(store(), free, 'POST', 'moved')
			await s.claim(free.id, team.org_id, team.id, NOW + 5, 'sess-d')
			expect(await s.find(free.id)).toBeNull()
			expect(await store().sources.findById(free.id)).toMatchObject({ env_id: team.id, org_id: team.org_id, is_ephemeral: 0, expires_at: null, request_limit: null, updated_at: NOW + 5 })
			expect(await rawSql(store()).all('SELECT env_id, org_id FROM events WHERE id = $1', [moved])).toEqual([{ env_id: team.id, org_id: team.org_id }])
			expect(await rawSql(store()).all('SELECT env_id FROM deliveries WHERE event_id = $1', [moved])).toEqual([{ env_id: team.id }])
			expect(await rawSql(store()).all('SELECT env_id FROM events WHERE id = $1', [evt])).toEqual([{ env_id: home.id }])
			// Listed in its new environment only (SQLite's lists walk the environment's key: the claim moves it too).
			const listed = async (envId: string, sourceId?: string) =>
				(await store().events.list({ envId, sourceId }, { id: null, order: 'desc', back: false }, { offset: 0, limit: 50 })).map((e) => e.id)
			expect(await listed(team.id)).toContain(moved)
			expect(await listed(team.id, free.id)).toEqual([moved])
			expect(await listed(home.id)).not.toContain(moved)
		})

		it('deletes a session with everything its events left behind', async () => {
			const s = store().sessions
			const src = session('sess-e')
			await s.create(src, null)
			const evt = await addEvent(store(), src, 'POST', 'gone')
			await s.setNote(src.id, evt, 'n', NOW)
			await s.delete(src.id)
			expect(await s.find(src.id)).toBeNull()
			expect(await store().sources.findById(src.id)).toBeNull()
			for (const table of ['events WHERE id', 'event_payloads WHERE event_id', 'deliveries WHERE event_id', 'event_notes WHERE event_id']) {
				expect({ table, n: await count(store(), `SELECT COUNT(*) AS n FROM ${table} = $1`, evt) }).toEqual({ table, n: 0 })
			}
		})
	})

	// PostgreSQL only: SQLite's claim and delete are immediate transactions, so nothing interleaves.
	it.skipIf(b.kind !== 'postgres')('claim and delete wait for an ingest batch holding the session, and take its event along', async () => {
		const backend = store().backend
		if (backend.kind !== 'postgres') throw new Error('postgres only')
		const s = store().sessions
		const claimed = session('sess-race-claim')
		await s.create(claimed, null)
		let batch = await holdIngestBatch(backend.pg, claimed, NOW)
		const claim = s.claim(claimed.id, team.org_id, team.id, NOW + 5, claimed.slug)
		await untilWaitingForLock(backend.pg)
		await batch.release()
		await claim
		expect(await rawSql(store()).all('SELECT env_id FROM events WHERE id = $1', [batch.eventId])).toEqual([{ env_id: team.id }])

		const deleted = session('sess-race-delete')
		await s.create(deleted, null)
		batch = await holdIngestBatch(backend.pg, deleted, NOW)
		const removal = s.delete(deleted.id)
		await untilWaitingForLock(backend.pg)
		await batch.release()
		await removal
		expect(await rawSql(store()).all('SELECT id FROM events WHERE id = $1', [batch.eventId])).toEqual([])
	})

	it.skipIf(b.kind !== 'postgres')('a delete waits for a delivery outcome of its event, and takes the attempt along (no attempt outlives its event)', async () => {
		const backend = store().backend
		if (backend.kind !== 'postgres') throw new Error('postgres only')
		const s = store().sessions
		const src = session('sess-race-outcome')
		await s.create(src, null)
		const evt = await addEvent(store(), src, 'POST', 'out')
		// Its delivery alone in its destination's queue (addEvent's other events queue for dst_x).
		const dst = newId('dst')
		await rawSql(store()).run('UPDATE deliveries SET destination_id = $1 WHERE event_id = $2', [dst, evt])
		const [row] = await store().deliveries.claim(dst, NOW + 1, 1, 'w_sess', NOW + 60_000)
		if (!row) throw new Error('no delivery claimed')
		expect(row.event_id).toBe(evt)
		// The outcome batch is held at its finish (another transaction holds the delivery row), after it locked the event.
		const blocker = await holdTransaction(backend.pg, [['UPDATE deliveries SET updated_at = updated_at WHERE id = $1', [row.id]]])
		const recorded = store().deliveries.completeBatch([outcome('w_sess', row, { state: 'delivered', dueAt: NOW }, {}, { org_id: src.org_id, env_id: src.env_id, created_at: NOW + 2 })])
		await untilWaitingForLock(backend.pg)
		const removal = s.delete(src.id)
		// The delete waits too, on the event the outcome holds.
		await untilWaitingForLock(backend.pg, 2)
		await blocker.release()
		expect(await recorded).toBe(1)
		await removal
		expect(await count(store(), 'SELECT COUNT(*) AS n FROM events WHERE id = $1', evt)).toBe(0)
		expect(await count(store(), 'SELECT COUNT(*) AS n FROM delivery_attempts WHERE event_id = $1', evt)).toBe(0)
	})
})
