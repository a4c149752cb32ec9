/**
 * The "contract floor" for the ingest benchmark: the storage floor (floor-server.ts) plus the
 * work every answered request needs under the API contract and hookstream's schema, and nothing
 * of hookstream's request path. Per request: the peer address (the event's source_ip), the header
 * map as JSON, an `evt_` id; per batch: hookstream's own events repo (`insertBatch`: the event row
 * with its id and list indexes, the source's counters) on a database migrated by hookstream's
 * migrations; the answer carries the event and source ids and an X-Request-Id, and one
 * access-log line is written per request (buffered per turn, as src/lib/log.ts does). Same
 * pragmas, same group commit (one batch in flight, flushed at the end of the event-loop turn),
 * same acknowledge-after-commit rule as the floor; the WAL is checkpointed by SQLite's
 * autocheckpoint on this thread, as the floor's is.
 * Usage: bun bench/contract-floor-server.ts <port> <data dir> [left out…]
 * Pieces can be left out to price each one (bench/contract-floor.ts): `ip` (no peer address),
 * `request-id` (no X-Request-Id header), `log` (no access-log line), `schema` (the floor's one
 * three-column table instead of hookstream's events repo), `list-indexes` (events without its two
 * list indexes), `id-index` (events without the unique index on its id).
 */
import { Database } from 'bun:sqlite'
import { migrate } from '../src/db/migrate'
import { PAGE_SIZE } from '../src/db/open'
import { createEventsRepo, type PendingEvent } from '../src/events/repo'
import { newId, newRequestId } from '../src/lib/ids'
import { benchTenant } from './lib/wal'

const [port, dir] = [Number(process.argv[2] ?? 18082), process.argv[3] ?? '.']
const without = new Set(process.argv.slice(4))
const db = new Database(`${dir}/contract-floor.db`, { create: true, strict: true })
for (const p of [`page_size = ${PAGE_SIZE}`, 'busy_timeout = 5000', 'journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON']) db.run(`PRAGMA ${p}`)
migrate(db)
if (without.has('list-indexes')) for (const index of ['events_env', 'events_env_source']) db.run(`DROP INDEX ${index}`)
if (without.has('id-index')) {
	// The same table with its id a plain column: SQLite cannot drop a primary key's index.
	const ddl = db.query<{ sql: string }, []>("SELECT sql FROM sqlite_schema WHERE name = 'events'").get()?.sql ?? ''
	const indexes = db.query<{ sql: string }, []>("SELECT sql FROM sqlite_schema WHERE tbl_name = 'events' AND type = 'index' AND sql IS NOT NULL").all()
	db.run('DROP TABLE events')
	db.run(ddl.replace('id TEXT PRIMARY KEY', 'id TEXT NOT NULL'))
	for (const { sql } of indexes) db.run(sql)
}
// An organization, environment and source as plain rows; the events take their ids from a template event.
const template = benchTenant(db, false).event().row
const events = createEventsRepo(db)
db.run('CREATE TABLE IF NOT EXISTS floor_events (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)')
const insertFloorRow = db.query('INSERT INTO floor_events (received_at, headers, body) VALUES (?1, ?2, ?3)')
const floorCommit = db.transaction((batch: PendingEvent[]) => {
	for (const { row } of batch) insertFloorRow.run(row.received_at, row.headers, row.payload_inline)
})
const store = without.has('schema') ? async (batch: PendingEvent[]) => void floorCommit.immediate(batch) : (batch: PendingEvent[]) => events.insertBatch(batch)

let queue: { event: PendingEvent; done: () => void }[] = []
let busy = false
async function flush(): Promise<void> {
	const batch = queue
	queue = []
	await store(batch.map((q) => q.event))
	busy = false
	for (const q of batch) q.done()
}

let log: string[] = []
const stdout = Bun.stdout.writer()
function access(line: string): void {
	if (log.length === 0)
		setImmediate(() => {
			stdout.write(log.join(''))
			void stdout.flush()
			log = []
		})
	log.push(line)
}

const server = Bun.serve({
	port,
	hostname: '127.0.0.1',
	async fetch(request) {
		const requestId = without.has('request-id') && without.has('log') ? '' : newRequestId()
		const started = performance.now()
		const body = new Uint8Array(await request.arrayBuffer())
		const now = Date.now()
		const id = newId('evt', now)
		const row = { ...template, id, headers: JSON.stringify(Object.fromEntries(request.headers)), source_ip: without.has('ip') ? null : (server.requestIP(request)?.address ?? null), payload_inline: body, payload_size: body.byteLength, received_at: now }
		await new Promise<void>((done) => {
			queue.push({ event: { row, body, dedup: null, routes: [] }, done })
			if (!busy) (busy = true), setImmediate(flush)
		})
		if (!without.has('log')) access(`{"time":"${new Date().toISOString()}","level":"info","msg":"request","request_id":"${requestId}","method":"POST","route":"/v1/ingest/:source_id","status":200,"duration_ms":${Math.round(performance.now() - started)}}\n`)
		const answer = `{"event_id":"${id}","source_id":"${template.source_id}"}`
		return new Response(answer, { headers: without.has('request-id') ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'x-request-id': requestId } })
	}
})
console.error(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
