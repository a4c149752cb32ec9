/**
 * The storage floor for the ingest benchmark: the least a durable ingest can do.
 * Reads the body, group-commits (received_at, headers JSON, raw body) into one
 * SQLite table with hookstream's pragmas (src/db/open.ts) and answers after the
 * commit; one batch in flight, flushed at the end of the event-loop turn like
 * src/db/write.ts. Usage: bun bench/floor-server.ts <port> <data dir>
 */
import { floorTable } from './lib/wal'
import { FLOOR_ANSWER } from './lib/floor-answer'

const [port, dir] = [Number(process.argv[2] ?? 18081), process.argv[3] ?? '.']
const { db, insert } = floorTable(dir)
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
Bun.serve({ port, hostname: '127.0.0.1', async fetch(request) {
	const row: [number, string, Uint8Array] = [Date.now(), JSON.stringify(Object.fromEntries(request.headers)), new Uint8Array(await request.arrayBuffer())]
	await new Promise<void>((done) => {
		queue.push({ row, done })
		if (!busy) (busy = true), setImmediate(flush)
	})
	return new Response(FLOOR_ANSWER, { headers: { 'content-type': 'application/json' } })
} })
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
