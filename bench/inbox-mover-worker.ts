/**
 * inbox-floor-server.ts's mover: asked after each of the main thread's commits, it takes up to
 * `limit` (the server's MOVE_ROWS) of the inbox's committed rows, writes them as events through
 * hookstream's events repo and deletes them from the inbox, in one transaction on its own
 * connection, then says how many it moved.
 * Through the repo, rows that bring their own id (minted by the main thread, which answers with it)
 * cost the placement's probes per row, which ingest's rows minted by the repo do not: MOVER=sql
 * has none, and is the fairer ceiling.
 */
import type { Database } from 'bun:sqlite'
import { isBusy } from '../src/db/open'
import { prepare } from '../src/db/sql'
import { ADD_KEY, KEY_OF } from '../src/events/order-sql'
import type { EventRow, PendingEvent } from '../src/events/repo'
import { createEventsRepo } from '../src/events/repo'
import { ADD_TOTALS } from '../src/events/repo-sql'
import { openWithPragmas, PAGE } from './lib/wal'

declare const self: Worker

type InboxRow = { id: string; received_at: number; headers: string; source_ip: string | null; body: Uint8Array }

function start(path: string, template: EventRow, limit: number): void {
	// No busy wait (the main thread's commits are short and it asks again), and no checkpoint at this
	// connection's commits: the main connection's checkpoint thread copies the WAL, as in hookstream.
	const db: Database = openWithPragmas(path, PAGE, ['busy_timeout = 0', 'wal_autocheckpoint = 0'])
	const events = createEventsRepo(db)
	const take = db.query<InboxRow, [number]>('SELECT id, received_at, headers, source_ip, body FROM inbox ORDER BY seq LIMIT ?1')
	// The seqs pass 2^53: the rows taken are named in SQL, not by a seq read into a JS number.
	const remove = db.query('DELETE FROM inbox WHERE seq IN (SELECT seq FROM inbox ORDER BY seq LIMIT ?1)')
	// MOVER=sql: the rows moved by one INSERT … SELECT (no JavaScript per row), the counters by the
	// repo's upsert: the cheapest move.
	const inSql = process.env.MOVER === 'sql'
	const keyOf = (id: string): number => {
		const found = prepare<{ key: number }, [string]>(db, KEY_OF).get(id) ?? prepare<{ key: number }, [string]>(db, ADD_KEY).get(id)
		if (!found) throw new Error(`no list key for ${id}`)
		return found.key
	}
	const [envKey, sourceKey] = inSql ? [keyOf(template.env_id), keyOf(template.source_id)] : [0, 0]
	const moveInSql = db.query<{ last: number }, [number]>(
		`INSERT INTO events (seq, id, org_id, env_id, source_id, method, headers, query_params, content_type, source_ip, payload_inline, payload_ref, payload_size,
			verification_status, verification_error, dedup_status, dedup_hash, status, received_at, topic, env_key, source_key)
		SELECT seq, id, ${[template.org_id, template.env_id, template.source_id].map((v) => `'${v}'`).join(', ')}, 'POST', headers, NULL, 'application/json', source_ip, body, NULL, length(body),
			'unverified', NULL, 'unique', NULL, 'no_route', received_at, NULL, ${envKey}, ${sourceKey}
		FROM inbox ORDER BY seq LIMIT ?1 RETURNING received_at AS last`
	)
	const addTotals = prepare<unknown, [string, string, number, number]>(db, ADD_TOTALS)
	const begin = db.query('BEGIN IMMEDIATE')
	const commit = db.query('COMMIT')
	const rollback = db.query('ROLLBACK')
	/** One move: the inbox's rows as events, and out of the inbox, in one transaction. */
	async function move(): Promise<number> {
		try {
			begin.run()
		} catch (err) {
			if (isBusy(err)) return 0 // the main thread is committing: next turn
			throw err
		}
		try {
			if (inSql) {
				const moved = moveInSql.all(limit)
				if (moved.length > 0) {
					addTotals.run(template.source_id, template.env_id, moved.length, Math.max(...moved.map((m) => m.last)))
					remove.run(moved.length)
				}
				commit.run()
				return moved.length
			}
			const rows = take.all(limit)
			if (rows.length > 0) {
				const batch: PendingEvent[] = rows.map((r) => ({
					row: { ...template, id: r.id, headers: r.headers, source_ip: r.source_ip, payload_inline: r.body, payload_size: r.body.byteLength, received_at: r.received_at },
					body: r.body,
					dedup: null,
					routes: []
				}))
				// The repo's batch runs in a savepoint of this transaction; its writes are synchronous.
				await events.insertBatch(batch)
				remove.run(rows.length)
			}
			commit.run()
			return rows.length
		} catch (err) {
			// SQLite may have rolled back already (a statement's error ends some transactions).
			if (db.inTransaction) rollback.run()
			throw err
		}
	}
	// Asked by the main thread after each of its commits; answers how many rows it moved once its own
	// has committed (0 when it found the lock taken). A failed move ends the thread, which the main
	// thread takes as the end of the server.
	self.onmessage = () =>
		void move().then(
			(moved) => self.postMessage(moved),
			(err) => {
				console.error('inbox mover stopped:', err)
				process.exit(1)
			}
		)
	self.postMessage(0)
}

self.onmessage = (e: MessageEvent<{ path: string; template: EventRow; limit: number }>) => start(e.data.path, e.data.template, e.data.limit)
