/**
 * The delivery "send floor": the least any worker could spend delivering — a bare
 * loop POSTing the delivery benchmark's 1 KB body to the same receiver with the same
 * number of requests in flight, keep-alive, nothing stored. Run in its own process,
 * as hookstream is, so both share the machine the same way.
 * With `pool`, the loop sends through hookstream's own HTTP/1.1 client (src/delivery/http1.ts,
 * what http destinations use) instead of fetch: the floor of the client hookstream sends with.
 * Usage: bun bench/send-floor.ts <url> <requests> <in flight> [fetch|pool]  → one JSON line
 */
import { Http1Pool } from '../src/delivery/http1'
import { ENCODED_BODY_CAP, RESPONSE_BODY_CAP } from '../src/delivery/outbound'
import { DELIVERY_BODY, inLanes, sendLoop } from './lib/tools'

const [url, total, concurrency] = [process.argv[2] ?? '', Number(process.argv[3] ?? 20000), Number(process.argv[4] ?? 64)]
const client = process.argv[5] ?? 'fetch'
if (!url || !['fetch', 'pool'].includes(client)) throw new Error('usage: bun bench/send-floor.ts <url> <requests> <in flight> [fetch|pool]')
const headers = { 'x-hookstream-event-id': 'evt_floor' }

/** The same loop as sendLoop, through one Http1Pool (the warm-up's connections kept for the timed run, as fetch keeps its own). */
const pool = new Http1Pool()
const u = new URL(url)
function poolLoop(n: number, extra: Record<string, string> = {}): Promise<{ seconds: number; failures: number }> {
	const request = {
		target: { tls: false, address: u.hostname, port: Number(u.port), serverName: null }, method: 'POST', path: u.pathname, host: u.host,
		headers: { 'content-type': 'application/json', ...extra }, body: new TextEncoder().encode(DELIVERY_BODY), timeoutMs: 30_000,
		bodyCap: RESPONSE_BODY_CAP, encodedCap: ENCODED_BODY_CAP
	}
	return inLanes(n, concurrency, async () => (await pool.request(request)).status)
}

const send = (n: number, extra?: Record<string, string>) => (client === 'pool' ? poolLoop(n, extra) : sendLoop(url, { total: n, concurrency, body: DELIVERY_BODY, headers: extra }))
// A short warm-up opens the connections, as hookstream's would be open by its first drain.
await send(concurrency * 4)
const cpu = process.cpuUsage()
const run = await send(total, headers)
const used = process.cpuUsage(cpu)
// CPU per request (all threads of this process): the machine is shared, so time alone is noisy.
console.log(JSON.stringify({ client, requests: total, concurrency, seconds: run.seconds, perSecond: total / run.seconds, cpuUsPerRequest: (used.user + used.system) / total, failures: run.failures }))
process.exit(0)
