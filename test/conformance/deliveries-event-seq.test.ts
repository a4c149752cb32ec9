import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { MIGRATIONS, migrate } from '../../src/db/migrate'
import { prepare } from '../../src/db/sql'
import { MemoryLeases } from '../../src/delivery/memory-leases'
import { createDeliveryRepo } from '../../src/delivery/repo'
import { SEQ_ORDER } from '../../src/events/order-sql'
import { createEventsRepo } from '../../src/events/repo'
import { seqOfId } from '../../src/events/seq-sql'
import { newId } from '../../src/lib/ids'
import { insertDeliveryQuery } from '../../src/replay/repo-sql'
import { sqliteSchemaBefore } from '../support/schema-before'
import { ENV, ORG, pending, T0 } from './events-fixtures'

/**
 * Migration 23 (SQLite only): each delivery carries its event's seq, and the claim reads the
 * event's inline body with the row, joined by that seq and the event id (DeliveryRow `ahead`).
 */

const encoder = new TextEncoder()

/** A tenant with source src_a → dst_a through conn_src_a, on `db` at whatever migration it is. */
function seedTenant(db: Database): void {
	db.query("INSERT INTO organizations (id, name, created_at) VALUES (?1, 'o', 0)").run(ORG)
	db.query("INSERT INTO environments (id, org_id, name, slug, created_at) VALUES (?1, ?2, 'e', 'e', 0)").run(ENV, ORG)
	db.query("INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES ('src_a', ?1, ?2, 'a', 'a', 0, 0)").run(ORG, ENV)
	db.query("INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES ('dst_a', ?1, ?2, 'd', 'd', 'http://127.0.0.1:9/', 0, 0)").run(ORG, ENV)
	db.query("INSERT INTO connections (id, org_id, env_id, source_id, destination_id, name, created_at, updated_at) VALUES ('conn_src_a', ?1, ?2, 'src_a', 'dst_a', 'c', 0, 0)").run(ORG, ENV)
}

function migrated(): Database {
	const db = new Database(':memory:', { strict: true })
	migrate(db)
	seedTenant(db)
	return db
}

// As text, then BigInt: seqs are ~2^57, past a double's exact integers.
const seqOfEvent = (db: Database, eventId: string) => {
	const seq = db.query<{ seq: string }, [string]>('SELECT CAST(seq AS TEXT) AS seq FROM events WHERE id = ?1').get(eventId)?.seq
	return seq === undefined ? undefined : BigInt(seq)
}
const eventSeqOf = (db: Database, deliveryId: string) => {
	const seq = db.query<{ s: string | null }, [string]>('SELECT CAST(event_seq AS TEXT) AS s FROM deliveries WHERE id = ?1').get(deliveryId)?.s
	return seq === undefined || seq === null ? null : BigInt(seq)
}

describe('migration 23: deliveries carry their event seq (sqlite)', () => {
	it('gives open deliveries their event seq (its own in event_seqs too), leaves closed ones and those of a gone event without one', () => {
		const db = new Database(':memory:', { strict: true })
		sqliteSchemaBefore(db, 23)
		seedTenant(db)
		// Rows as a build before 23 wrote them: events keyed by the seq their id spells (or one of their own), deliveries without it.
		const addEvent = (id: string, seq: bigint) =>
			db.query(`INSERT INTO events (seq, id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
				VALUES (?1, ?2, ?3, ?4, 'src_a', 'POST', '{}', 0, 'skipped', 'unique', 'pending', ?5)`).run(seq, id, ORG, ENV, T0)
		const addDelivery = (eventId: string, state: string) => {
			const id = newId('dlv')
			db.query(`INSERT INTO deliveries (id, org_id, env_id, event_id, connection_id, destination_id, state, attempts, due_at, trigger_type, created_at, updated_at)
				VALUES (?1, ?2, ?3, ?4, 'conn_src_a', 'dst_a', ?5, 0, ?6, 'initial', ?6, ?6)`).run(id, ORG, ENV, eventId, state, T0)
			return id
		}
		const ids = [0, 1, 2, 3].map((i) => newId('evt', T0 + i))
		for (const id of ids) addEvent(id, seqOfId(id) as bigint)
		addEvent('evt_imported_1', 7n)
		db.query("INSERT INTO event_seqs (id, seq) VALUES ('evt_imported_1', 7)").run()
		const open = addDelivery(ids[0] as string, 'queued')
		const leased = addDelivery(ids[1] as string, 'leased')
		const done = addDelivery(ids[2] as string, 'delivered')
		const gone = addDelivery(ids[3] as string, 'queued')
		const imported = addDelivery('evt_imported_1', 'queued')
		db.query('DELETE FROM events WHERE id = ?1').run(ids[3] as string)
		expect(migrate(db)).toBe(MIGRATIONS.length - 22)
		expect(eventSeqOf(db, open)).toBe(seqOfId(ids[0] as string) as bigint)
		expect(eventSeqOf(db, leased)).toBe(seqOfId(ids[1] as string) as bigint)
		expect(eventSeqOf(db, imported)).toBe(7n)
		expect(eventSeqOf(db, done)).toBeNull()
		expect(eventSeqOf(db, gone)).toBeNull()
		db.close()
	})

	it('ingest and replay write the seq of the delivery\'s event', async () => {
		const db = migrated()
		const p = pending({ at: T0, routes: ['conn_src_a'] })
		await createEventsRepo(db).insertBatch([p])
		const seq = seqOfEvent(db, p.row.id)
		expect(seq).toBe(seqOfId(p.row.id) as bigint)
		expect(eventSeqOf(db, p.routes[0]?.deliveryId as string)).toBe(seq as bigint)
		// Replay's insert (src/replay/repo.ts) finds the event by id and copies its seq.
		const replayed = newId('dlv')
		expect(prepare(db, insertDeliveryQuery(SEQ_ORDER, true)).run(replayed, ORG, ENV, p.row.id, 'conn_src_a', 'dst_a', T0, T0).changes).toBe(1)
		expect(eventSeqOf(db, replayed)).toBe(seq as bigint)
		expect(prepare(db, insertDeliveryQuery(SEQ_ORDER, true)).run(newId('dlv'), ORG, ENV, 'evt_missing', 'conn_src_a', 'dst_a', T0, T0).changes).toBe(0)
		db.close()
	})

	it('a claim reads each row\'s inline body with it, only from the event its seq and id both name', async () => {
		const db = migrated()
		const inline = pending({ at: T0, body: '{"n":1}', routes: ['conn_src_a'] })
		const large = pending({ at: T0 + 1, body: 'x'.repeat(20 * 1024), routes: ['conn_src_a'] })
		const unseq = pending({ at: T0 + 2, routes: ['conn_src_a'] })
		const wrong = pending({ at: T0 + 3, routes: ['conn_src_a'] })
		await createEventsRepo(db).insertBatch([inline, large, unseq, wrong])
		const deliveryOf = (p: typeof inline) => p.routes[0]?.deliveryId as string
		db.query('UPDATE deliveries SET event_seq = NULL WHERE id = ?1').run(deliveryOf(unseq))
		// A seq that names another event (the one it carried was deleted, the seq given again): no match.
		db.query('UPDATE deliveries SET event_seq = ?2 WHERE id = ?1').run(deliveryOf(wrong), seqOfEvent(db, inline.row.id) as bigint)
		const repo = createDeliveryRepo(db, new MemoryLeases())
		const claimed = await repo.claim('dst_a', T0 + 10, 10, 'w', T0 + 60_000)
		expect(claimed.map((r) => [r.event_id, r.ahead])).toEqual([
			[inline.row.id, { id: inline.row.id, content_type: 'application/json', payload_inline: encoder.encode('{"n":1}') }],
			[large.row.id, null],
			[unseq.row.id, undefined],
			[wrong.row.id, null]
		])
		expect(claimed.every((r) => r.state === 'leased' && r.lease_owner === 'w' && r.lease_expires_at === T0 + 60_000)).toBe(true)
		// Not a column of the row as the rest of the app reads it.
		expect(Object.keys((await repo.findById(deliveryOf(inline))) ?? {})).not.toContain('event_seq')
		db.close()
	})
})
