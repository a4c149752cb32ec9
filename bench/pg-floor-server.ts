/**
 * The PostgreSQL storage floor for bench/postgres.ts: the least a durable ingest on
 * PostgreSQL can do. Reads the body, group-commits (received_at, headers JSON, raw body)
 * into one table with one multi-row INSERT per batch through Bun.SQL, and answers after
 * the commit; one batch in flight, flushed at the end of the event-loop turn like
 * src/db/write.ts. Usage: bun bench/pg-floor-server.ts <port> <database url>
 */
import { SQL } from 'bun'
import { FLOOR_ANSWER } from './lib/floor-answer'

const [port, url] = [Number(process.argv[2] ?? 18082), process.argv[3] ?? 'postgres://postgres@127.0.0.1:5432/postgres']
const sql = new SQL({ url, max: 4 })
await sql.unsafe('DROP TABLE IF EXISTS floor_events')
await sql.unsafe('CREATE TABLE floor_events (id BIGSERIAL PRIMARY KEY, received_at BIGINT NOT NULL, headers TEXT NOT NULL, body BYTEA NOT NULL)')
type Row = { received_at: number; headers: string; body: Uint8Array }
let queue: { row: Row; done: () => void }[] = []
let busy = false
async function flush(): Promise<void> {
	const batch = queue
	queue = []
	await sql`INSERT INTO floor_events ${sql(batch.map((q) => q.row), 'received_at', 'headers', 'body')}`
	for (const q of batch) q.done()
	if (queue.length > 0) setImmediate(flush)
	else busy = false
}
Bun.serve({ port, hostname: '127.0.0.1', async fetch(request) {
	const row: Row = { received_at: Date.now(), headers: JSON.stringify(Object.fromEntries(request.headers)), body: new Uint8Array(await request.arrayBuffer()) }
	await new Promise<void>((done) => {
		queue.push({ row, done })
		if (!busy) (busy = true), setImmediate(flush)
	})
	return new Response(FLOOR_ANSWER, { headers: { 'content-type': 'application/json' } })
} })
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
