import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { MIGRATIONS, migrate } from '../../src/db/migrate'
import { type EventWalk, ID_ORDER, SEQ_ORDER } from '../../src/events/order-sql'
import { createEventQueries, type EventFilter } from '../../src/events/queries'
import { createEventsRepo } from '../../src/events/repo'
import { countQuery, listQuery } from '../../src/events/repo-sql'
import { newId } from '../../src/lib/ids'
import { createSourcesRepo } from '../../src/sources/repo'
import { createTenancyRepo } from '../../src/tenancy/repo'
import { ENV, ORG, pending, T0 } from './events-fixtures'
import { sourceRow } from './fixtures'
import { type EventList as List, pagesOf } from '../support/event-pages'
import { sqliteSchemaBefore } from '../support/schema-before'
import { prepare } from '../../src/db/sql'

/**
 * Migration 18 (SQLite only) keys the events list indexes by small integers of the environment
 * and source ids. A database written before it lists the same events in the same pages after
 * it — by environment and by source, newest and oldest first, next and previous cursors —
 * including the events of a deleted source and of an id that never had a source row, and the
 * events ingest writes afterwards land in the lists as they did. Keys go with the last of
 * their row and their events.
 */

const OTHER_ENV = 'env_other'
const [A, B, C, GONE, NO_ROW] = ['src_a', 'src_b', 'src_c', 'src_gone', 'src_no_row']

// The lists before migration 18 filtered by ids: ID_ORDER, in id order, as migration 22 (events
// keyed by the seq their id spells) lists them, where SQLite walked commit order before.

function oldDatabase(): Database {
	const db = new Database(':memory:', { strict: true })
	sqliteSchemaBefore(db, 18)
	db.query("INSERT INTO organizations (id, name, created_at) VALUES (?1, 'o', 0)").run(ORG)
	for (const env of [ENV, OTHER_ENV]) db.query("INSERT INTO environments (id, org_id, name, slug, created_at) VALUES (?1, ?2, ?1, ?1, 0)").run(env, ORG)
	for (const [id, env] of [[A, ENV], [B, ENV], [GONE, ENV], [C, OTHER_ENV]] as const) {
		db.query('INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?1, ?1, 0, 0)').run(id, ORG, env)
	}
	return db
}

/** Events as the old schema stored them: `order` gives the commit order of ids minted in time order (some commit late). */
function storeOld(db: Database, count: number): void {
	const insert = db.query(`INSERT INTO events (id, org_id, env_id, source_id, method, headers, payload_size, verification_status, dedup_status, status, received_at)
		VALUES (?1, ?2, ?3, ?4, ?5, '{}', 0, 'unverified', 'unique', 'no_route', ?6)`)
	const sources = [A, B, GONE, NO_ROW, C]
	const events = Array.from({ length: count }, (_, i) => {
		const source = sources[i % sources.length] as string
		const at = T0 + i
		return { id: newId('evt', at), source, env: source === C ? OTHER_ENV : ENV, method: i % 3 === 0 ? 'PUT' : 'POST', at }
	})
	// Every seventh event commits after the next one: rowid order is not id order everywhere.
	for (let i = 0; i + 1 < events.length; i += 7) [events[i], events[i + 1]] = [events[i + 1], events[i]] as [typeof events[number], typeof events[number]]
	for (const e of events) insert.run(e.id, ORG, e.env, e.source, e.method, e.at)
	db.run('DELETE FROM sources WHERE id = ?1', [GONE])
}

const FILTERS: EventFilter[] = [
	{ envId: ENV },
	{ envId: ENV, sourceId: A },
	{ envId: ENV, sourceId: GONE },
	{ envId: ENV, sourceId: NO_ROW },
	{ envId: ENV, sourceId: C },
	{ envId: OTHER_ENV },
	{ envId: OTHER_ENV, sourceId: C },
	{ envId: ENV, method: 'PUT' },
	{ envId: 'env_missing' }
]

async function everyList(list: List): Promise<string[][][]> {
	const out: string[][][] = []
	for (const f of FILTERS) out.push(await pagesOf(list, f, 'desc'), await pagesOf(list, f, 'asc'))
	return out
}

const counts = (db: Database, walk: EventWalk) =>
	FILTERS.map((f) => {
		const q = countQuery(walk, f)
		return prepare<{ n: number }, (string | number)[]>(db, q.text).get(...q.params)?.n
	})

describe('migration 18: the events list indexes keyed by integers (sqlite)', () => {
	it('lists every existing event in the same pages after migrating, and keeps listing what ingest writes next', async () => {
		const db = oldDatabase()
		storeOld(db, 61)
		const oldList: List = async (f, s, p) => {
			const q = listQuery(ID_ORDER, f, s, p)
			return prepare<{ id: string }, (string | number)[]>(db, q.text).all(...q.params)
		}
		const before = await everyList(oldList)
		const countsBefore = counts(db, ID_ORDER)
		expect(before[0]?.flat().length).toBeGreaterThan(40)

		expect(migrate(db)).toBe(MIGRATIONS.length - 17) // 18 and the later ones
		expect(db.query('SELECT COUNT(*) AS n FROM events WHERE env_key IS NULL OR source_key IS NULL').get()).toEqual({ n: 0 })
		// Each id (the deleted source's and the never-stored one's too) has one key, every event the keys of its ids.
		expect(db.query('SELECT COUNT(*) AS n FROM list_keys').get()).toEqual({ n: 7 })
		expect(
			db.query(`SELECT COUNT(*) AS n FROM events WHERE env_key <> (SELECT key FROM list_keys WHERE id = env_id)
				OR source_key <> (SELECT key FROM list_keys WHERE id = source_id)`).get()
		).toEqual({ n: 0 })
		const queries = createEventQueries(db)
		const after = await everyList((f, s, p) => queries.list(f, s, p))
		expect(after).toEqual(before)
		expect(counts(db, SEQ_ORDER)).toEqual(countsBefore)

		// A source created now gets its key with its row; ingest binds the keys and the new events lead the lists.
		const sources = createSourcesRepo(db)
		const fresh = sourceRow({ id: ENV, org_id: ORG }, 'fresh')
		await sources.insert(fresh)
		const repo = createEventsRepo(db)
		const next = [pending({ source: fresh.id, at: T0 + 100 }), pending({ source: A, at: T0 + 101 }), pending({ source: 'src_unknown', at: T0 + 102 })]
		await repo.insertBatch(next)
		const [freshId, aId, unknownId] = next.map((p) => p.row.id) as [string, string, string]
		const first = async (f: EventFilter) => (await queries.list(f, { id: null, order: 'desc', back: false }, { offset: 0, limit: 3 })).map((r) => r.id)
		expect(await first({ envId: ENV })).toEqual([unknownId, aId, freshId])
		expect(await first({ envId: ENV, sourceId: fresh.id })).toEqual([freshId])
		expect(await first({ envId: ENV, sourceId: 'src_unknown' })).toEqual([unknownId])
		expect((await first({ envId: ENV, sourceId: A }))[0]).toBe(aId)
		expect(db.query('SELECT COUNT(*) AS n FROM list_keys').get()).toEqual({ n: 9 })

		// A source deleted with events keeps its key (they stay listed by its id); one without events, and a purged environment's, lose theirs.
		const keyed = (id: string) => db.query('SELECT key FROM list_keys WHERE id = ?1').get(id) !== null
		await sources.delete(ENV, fresh.id)
		expect(await first({ envId: ENV, sourceId: fresh.id })).toEqual([freshId])
		const empty = sourceRow({ id: ENV, org_id: ORG }, 'empty')
		await sources.insert(empty)
		expect(keyed(empty.id)).toBe(true)
		const keyOf = (id: string) => db.query<{ key: number }, [string]>('SELECT key FROM list_keys WHERE id = ?1').get(id)?.key
		const emptyKey = keyOf(empty.id)
		await sources.delete(ENV, empty.id)
		expect([keyed(empty.id), keyed(fresh.id)]).toEqual([false, true])
		// A key number is never handed out again: an event still carrying it (committed in another
		// environment than its source's, past the delete trigger's view) must not join a new source's list.
		const later = sourceRow({ id: ENV, org_id: ORG }, 'later')
		await sources.insert(later)
		expect(keyOf(later.id)).toBeGreaterThan(emptyKey as number)
		await createTenancyRepo(db).purgeEnvironment(OTHER_ENV)
		expect([OTHER_ENV, C, ENV, A].map(keyed)).toEqual([false, false, true, true])
		expect(await first({ envId: ENV, sourceId: A })).toHaveLength(3)
		db.close()
	})
})

