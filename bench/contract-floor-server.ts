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
 * autocheckpoint inside the commit, as the floor's is, unless `checkpointer` is given.
 * Usage: bun bench/contract-floor-server.ts <port> <data dir> [option…]
 * Options, to price each piece (bench/contract-floor.ts): left out — `ip` (no peer address: the
 * lookup and the column), `request-id` (no X-Request-Id header), `log` (no access-log line),
 * `schema` (the floor's one three-column table instead of hookstream's events repo),
 * `list-indexes` (events without its two list indexes; since migration 22 events have no index
 * on the id); added — `checkpointer` (checkpoints on hookstream's thread, src/db/checkpointer.ts).
 */
import type { Server } from 'bun'
import { Checkpointer } from '../src/db/checkpointer'
import { migrate } from '../src/db/migrate'
import { createEventsRepo, type PendingEvent } from '../src/events/repo'
import { newId, newRequestId } from '../src/lib/ids'
import { silentLogger } from '../src/lib/log'
import { benchTenant, openWithPragmas } from './lib/wal'

const OPTIONS = ['ip', 'request-id', 'log', 'schema', 'list-indexes', 'checkpointer']
const [port, dir] = [Number(process.argv[2] ?? 18082), process.argv[3] ?? '.']
const options = new Set(process.argv.slice(4))
for (const o of options) if (!OPTIONS.includes(o)) throw new Error(`unknown option ${o} (${OPTIONS.join(', ')})`)
const without = (piece: string) => options.has(piece)

const db = openWithPragmas(`${dir}/contract-floor.db`)
migrate(db)
if (without('list-indexes')) for (const index of ['events_env', 'events_env_source']) db.run(`DROP INDEX ${index}`)
if (options.has('checkpointer')) new Checkpointer(db, 'NORMAL', silentLogger).start()

// An organization, environment and source as plain rows; each event is this template with its own id, headers and body.
const template = benchTenant(db, false).event().row
const events = createEventsRepo(db)
db.run('CREATE TABLE IF NOT EXISTS floor_events (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)')
const insertFloorRow = db.query('INSERT INTO floor_events (received_at, headers, body) VALUES (?1, ?2, ?3)')
const floorCommit = db.transaction((batch: PendingEvent[]) => {
	for (const { row } of batch) insertFloorRow.run(row.received_at, row.headers, row.payload_inline)
})
const store = without('schema') ? async (batch: PendingEvent[]) => void floorCommit.immediate(batch) : (batch: PendingEvent[]) => events.insertBatch(batch)

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

const JSON_ONLY = { 'content-type': 'application/json' }
Bun.serve({
	port,
	hostname: '127.0.0.1',
	async fetch(request: Request, server: Server<undefined>) {
		const requestId = without('request-id') && without('log') ? '' : newRequestId()
		const started = performance.now()
		const body = new Uint8Array(await request.arrayBuffer())
		const now = Date.now()
		// hookstream's repo mints the id as it writes the row; the floor's table needs one made here.
		const id = without('schema') ? newId('evt', now) : ''
		const ip = without('ip') ? null : (server.requestIP(request)?.address ?? null)
		const row = { ...template, id, headers: JSON.stringify(Object.fromEntries(request.headers)), source_ip: ip, payload_inline: body, payload_size: body.byteLength, received_at: now }
		await new Promise<void>((done) => {
			queue.push({ event: { row, body, dedup: null, routes: [] }, done })
			if (!busy) (busy = true), setImmediate(flush)
		})
		if (!without('log')) access(`{"time":"${new Date().toISOString()}","level":"info","msg":"request","request_id":"${requestId}","method":"POST","route":"/v1/ingest/:source_id","status":200,"duration_ms":${Math.round(performance.now() - started)}}\n`)
		const answer = `{"event_id":"${row.id}","source_id":"${template.source_id}"}`
		return new Response(answer, { headers: without('request-id') ? JSON_ONLY : { ...JSON_ONLY, 'x-request-id': requestId } })
	}
})
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
// A normal exit on SIGTERM, so `bun --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0))
