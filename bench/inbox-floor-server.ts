/**
 * The contract floor with the schema's work taken off the main thread: a prototype of a split
 * ingest, to find its ceiling before anyone builds it. The main thread does what the storage floor
 * does (one narrow row per request, group-committed, answered after the commit) into an `inbox`
 * table, plus what every answer needs under the contract (an `evt_` id minted here, the peer
 * address, the header map as JSON, an X-Request-Id and an access-log line, as
 * contract-floor-server.ts). A Worker (inbox-mover-worker.ts) with its own connection moves the
 * committed inbox rows into hookstream's events schema (the event row, its list indexes, the
 * source's counters) and deletes them from the inbox, in one transaction, on the other core:
 * through hookstream's events repo, or with MOVER=sql in one INSERT … SELECT (no JavaScript per
 * row). Checkpoints on hookstream's thread (src/db/checkpointer.ts). The two connections take
 * turns at SQLite's one write lock without waiting in SQLite's busy handler (which sleeps a
 * millisecond or more): the mover is asked to move after each of the main thread's commits, and a
 * batch that finds the lock taken goes again when the mover answers, with the requests that
 * arrived meanwhile. GET answers how many commits found the lock taken and the rows not moved yet.
 * bench/contract-floor.ts measures it beside the floors with INBOX=1.
 * Not a design of hookstream's: lists and reads by id would have to read the inbox too, and the
 * outbox rows, dedup and counters would no longer be in the answered request's transaction.
 * Usage: bun bench/inbox-floor-server.ts <port> <data dir>
 */
import { Checkpointer } from '../src/db/checkpointer'
import { isBusy } from '../src/db/open'
import { migrate } from '../src/db/migrate'
import { newRequestId, SeqIdMinter } from '../src/lib/ids'
import { silentLogger } from '../src/lib/log'
import type { Server } from 'bun'
import { logIngest } from './lib/access-log'
import { benchTenant, openWithPragmas, PAGE } from './lib/wal'

const [port, dir] = [Number(process.argv[2] ?? 18083), process.argv[3] ?? '.']
const path = `${dir}/inbox-floor.db`
const db = openWithPragmas(path, PAGE, ['busy_timeout = 0'])
migrate(db)
db.run('CREATE TABLE IF NOT EXISTS inbox (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, received_at INTEGER NOT NULL, headers TEXT NOT NULL, source_ip TEXT, body BLOB NOT NULL)')
new Checkpointer(db, 'NORMAL', silentLogger).start()
const template = benchTenant(db, false).event().row
/** Rows per move: a move holds SQLite's write lock, which the main thread's next commit waits for. */
const MOVE_ROWS = Number(process.env.MOVE_ROWS ?? 512)
const mover = new Worker(new URL('./inbox-mover-worker.ts', import.meta.url).href)
mover.postMessage({ path, template: { ...template, payload_inline: null }, limit: MOVE_ROWS })
// A mover that stopped would leave the server answering 200 while moving nothing: the server stops too.
for (const event of ['error', 'close'])
	mover.addEventListener(event, () => {
		console.error(`inbox mover ended (${event})`)
		process.exit(1)
	})
/** The mover is moving (asked, not answered yet); a batch that found the lock taken waits for its answer. */
let moving = true
let waiting = false
mover.onmessage = (e: MessageEvent<number>) => {
	moving = false
	if (waiting) {
		waiting = false
		flush()
	} else if (backlogged || e.data === MOVE_ROWS) ask() // a full move may have left rows behind
}
/** The inbox may hold rows not moved yet. */
let backlogged = false
function ask(): void {
	if (moving) return
	moving = true
	backlogged = false
	mover.postMessage(0)
}

const insert = db.query('INSERT INTO inbox (seq, id, received_at, headers, source_ip, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)')
type Pending = { seq: bigint; id: string; now: number; headers: string; ip: string | null; body: Uint8Array; done: () => void }
const commit = db.transaction((batch: Pending[]) => {
	for (const p of batch) insert.run(p.seq, p.id, p.now, p.headers, p.ip, p.body)
})
const ids = new SeqIdMinter('evt')
const backlog = db.query<{ n: number }, []>('SELECT count(*) AS n FROM inbox')
let queue: Pending[] = []
let busy = false
let retries = 0
function flush(): void {
	const batch = queue
	queue = []
	try {
		commit.immediate(batch)
	} catch (err) {
		if (!isBusy(err)) throw err
		// The mover holds the write lock: these go again once it answers, with what arrives meanwhile.
		// Taken by something else (a checkpoint that blocks writers): tried again in a millisecond.
		retries++
		queue = batch.concat(queue)
		if (moving) waiting = true
		else setTimeout(flush, 1)
		return
	}
	busy = false
	backlogged = true
	ask()
	for (const p of batch) p.done()
}


const JSON_ONLY = { 'content-type': 'application/json' }
Bun.serve({
	port,
	hostname: '127.0.0.1',
	async fetch(request: Request, server: Server<undefined>) {
		// GET: how many commits found the lock taken, and how many answered rows the mover has not moved yet.
		if (request.method === 'GET') return new Response(JSON.stringify({ retries, backlog: backlog.get()?.n ?? 0 }), { headers: JSON_ONLY })
		const requestId = newRequestId()
		const started = performance.now()
		const body = new Uint8Array(await request.arrayBuffer())
		const now = Date.now()
		const { id, seq } = ids.next(now)
		const ip = server.requestIP(request)?.address ?? null
		const headers = JSON.stringify(Object.fromEntries(request.headers))
		await new Promise<void>((done) => {
			queue.push({ seq, id, now, headers, ip, body, done })
			if (!busy) (busy = true), setImmediate(flush)
		})
		logIngest(requestId, started)
		return new Response(`{"event_id":"${id}","source_id":"${template.source_id}"}`, { headers: { ...JSON_ONLY, 'x-request-id': requestId } })
	}
})
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
process.on('SIGTERM', () => process.exit(0))
