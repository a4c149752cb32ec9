/**
 * The baseline for the ingest benchmark: a bare Bun.serve handler that reads
 * the body and answers the same JSON shape hookstream does. Nothing is stored.
 * Usage: bun bench/baseline-server.ts <port>
 */
const port = Number(process.argv[2] ?? 18080)
const answer = JSON.stringify({ event_id: 'evt_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b', source_id: 'src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b' })

Bun.serve({
	port,
	hostname: '127.0.0.1',
	async fetch(request) {
		await request.arrayBuffer()
		return new Response(answer, { headers: { 'content-type': 'application/json' } })
	}
})
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
export {}
