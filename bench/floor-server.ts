/**
 * The storage floor for the ingest benchmark: the least a durable ingest can do.
 * Reads the body, group-commits (received_at, headers JSON, raw body) into one
 * SQLite table with hookstream's pragmas (src/db/open.ts) and answers after the
 * commit; one batch in flight, flushed at the end of the event-loop turn like
 * src/db/write.ts. Usage: bun bench/floor-server.ts <port> <data dir>
 */
import { openWithPragmas } from './lib/wal'

const [port, dir] = [Number(process.argv[2] ?? 18081), process.argv[3] ?? '.']
const db = openWithPragmas(`${dir}/floor.db`)
db.run('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)')
const insert = db.query('INSERT INTO events (received_at, headers, body) VALUES (?1, ?2, ?3)')
const commit = db.transaction((rows: [number, string, Uint8Array][]) => { for (const r of rows) insert.run(...r) })
let queue: { row: [number, string, Uint8Array]; done: () => void }[] = []
let busy = false
function flush(): void {
	const batch = queue
	queue = []
	commit.immediate(batch.map((q) => q.row))
	busy = false
	for (const q of batch) q.done()
}
const answer = JSON.stringify({ event_id: 'evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b', source_id: 'src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b' })
Bun.serve({ port, hostname: '127.0.0.1', async fetch(request) {
	const row: [number, string, Uint8Array] = [Date.now(), JSON.stringify(Object.fromEntries(request.headers)), new Uint8Array(await request.arrayBuffer())]
	await new Promise<void>((done) => {
		queue.push({ row, done })
		if (!busy) (busy = true), setImmediate(flush)
	})
	return new Response(answer, { headers: { 'content-type': 'application/json' } })
} })
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
