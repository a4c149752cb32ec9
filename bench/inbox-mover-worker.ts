/**
 * inbox-floor-server.ts's mover: asked after each of the main thread's commits, it takes up to
 * MOVE_ROWS of the inbox's committed rows, writes them as events through hookstream's events repo
 * and deletes them from the inbox, in one transaction on its own connection, then says so.
 */
import type { Database } from 'bun:sqlite'
import { isBusy } from '../src/db/open'
import type { EventRow, PendingEvent } from '../src/events/repo'
import { createEventsRepo } from '../src/events/repo'
import { openWithPragmas } from './lib/wal'

declare const self: Worker
/** Rows per move: a move holds SQLite's write lock, which the main thread's next commit waits for. */
const LIMIT = Number(process.env.MOVE_ROWS ?? 512)

type InboxRow = { id: string; received_at: number; headers: string; source_ip: string | null; body: Uint8Array }

function start(path: string, template: EventRow): void {
	const db: Database = openWithPragmas(path)
	db.run('PRAGMA busy_timeout = 0')
	const events = createEventsRepo(db)
	const take = db.query<InboxRow, [number]>('SELECT id, received_at, headers, source_ip, body FROM inbox ORDER BY seq LIMIT ?1')
	// The seqs pass 2^53: the rows taken are named in SQL, not by a seq read into a JS number.
	const remove = db.query('DELETE FROM inbox WHERE seq IN (SELECT seq FROM inbox ORDER BY seq LIMIT ?1)')
	// MOVER=sql: the rows moved by one INSERT … SELECT (no JavaScript per row), the counters by one upsert: the cheapest move.
	const keyOf = (id: string): number => {
		db.query('INSERT OR IGNORE INTO list_keys (id) VALUES (?1)').run(id)
		return (db.query<{ key: number }, [string]>('SELECT key FROM list_keys WHERE id = ?1').get(id) as { key: number }).key
	}
	const [envKey, sourceKey] = [keyOf(template.env_id), keyOf(template.source_id)]
	const moveInSql = db.query<{ n: number; last: number }, [number]>(
		`INSERT INTO events (seq, id, org_id, env_id, source_id, method, headers, query_params, content_type, source_ip, payload_inline, payload_ref, payload_size,
			verification_status, verification_error, dedup_status, dedup_hash, status, received_at, topic, env_key, source_key)
		SELECT seq, id, ${[template.org_id, template.env_id, template.source_id].map((v) => `'${v}'`).join(', ')}, 'POST', headers, NULL, 'application/json', source_ip, body, NULL, length(body),
			'unverified', NULL, 'unique', NULL, 'no_route', received_at, NULL, ${envKey}, ${sourceKey}
		FROM inbox ORDER BY seq LIMIT ?1 RETURNING received_at AS last`
	)
	const addTotals = db.query(
		"INSERT INTO event_totals (source_id, env_id, stored, event_count, last_event_at) VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT (source_id) DO UPDATE SET stored = stored + excluded.stored, event_count = event_count + excluded.event_count, last_event_at = max(last_event_at, excluded.last_event_at)"
	)
	const inSql = process.env.MOVER === 'sql'
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
				const moved = moveInSql.all(LIMIT)
				if (moved.length > 0) {
					addTotals.run(template.source_id, template.env_id, moved.length, Math.max(...moved.map((m) => m.last)))
					remove.run(moved.length)
				}
				commit.run()
				return moved.length
			}
			const rows = take.all(LIMIT)
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
			rollback.run()
			throw err
		}
	}
	// Asked by the main thread after each of its commits; answers when its own has committed (or found the lock taken).
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

self.onmessage = (e: MessageEvent<{ path: string; template: EventRow }>) => start(e.data.path, e.data.template)
