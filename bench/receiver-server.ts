/**
 * Benchmark receiver, run as its own process so it never shares a thread with
 * hookstream. Counts deliveries, notes the event ids it saw (for loss and
 * duplicate checks) and the latency from the sender's `sent_at` to arrival.
 * Usage: bun bench/receiver-server.ts <port>
 *   GET  /stats  → { count, unique, duplicates, p50, p99, first_at, last_at }
 *   GET  /ids    → every distinct "<event id> <path>" seen
 *   POST /reset
 */
const port = Number(process.argv[2] ?? 18090)
let latencies: number[] = []
let seen = new Set<string>()
let count = 0
let firstAt = 0
let lastAt = 0

const pct = (xs: number[], p: number) => {
	if (xs.length === 0) return null
	const sorted = [...xs].sort((a, b) => a - b)
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null
}

Bun.serve({
	port,
	hostname: '127.0.0.1',
	async fetch(req) {
		const url = new URL(req.url)
		if (url.pathname === '/stats') {
			return Response.json({ count, unique: seen.size, duplicates: count - seen.size, p50: pct(latencies, 50), p99: pct(latencies, 99), first_at: firstAt, last_at: lastAt })
		}
		if (url.pathname === '/ids') return Response.json([...seen])
		if (url.pathname === '/reset') {
			latencies = []
			seen = new Set()
			count = 0
			firstAt = lastAt = 0
			return Response.json({ ok: true })
		}
		const body = await req.text()
		const now = Date.now()
		count++
		firstAt ||= now
		lastAt = now
		// One event goes to each destination once: a duplicate is the same event on the same path.
		const id = req.headers.get('x-hookstream-event-id')
		if (id) seen.add(`${id} ${url.pathname}`)
		const sentAt = /"sent_at":(\d+)/.exec(body)?.[1]
		if (sentAt) latencies.push(now - Number(sentAt))
		return new Response('ok')
	}
})
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
export {}
