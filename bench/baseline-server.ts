/**
 * The baseline for the ingest benchmark: a bare Bun.serve handler that reads
 * the body and answers the same JSON shape hookstream does. Nothing is stored.
 * Usage: bun bench/baseline-server.ts <port>
 */
import { FLOOR_ANSWER } from './lib/floor-answer'
const port = Number(process.argv[2] ?? 18080)

Bun.serve({
	port,
	hostname: '127.0.0.1',
	async fetch(request) {
		await request.arrayBuffer()
		return new Response(FLOOR_ANSWER, { headers: { 'content-type': 'application/json' } })
	}
})
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
export {}
