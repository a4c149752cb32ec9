/**
 * The delivery "send floor": the least any worker could spend delivering — a bare
 * loop POSTing the delivery benchmark's 1 KB body to the same receiver with the same
 * number of requests in flight, keep-alive, nothing stored. Run in its own process,
 * as hookstream is, so both share the machine the same way.
 * Usage: bun bench/send-floor.ts <url> <requests> <in flight>  → one JSON line
 */
import { DELIVERY_BODY, sendLoop } from './lib/tools'

const [url, total, concurrency] = [process.argv[2] ?? '', Number(process.argv[3] ?? 20000), Number(process.argv[4] ?? 64)]
if (!url) throw new Error('usage: bun bench/send-floor.ts <url> <requests> <in flight>')
// A short warm-up opens the connections, as hookstream's would be open by its first drain.
await sendLoop(url, { total: concurrency * 4, concurrency, body: DELIVERY_BODY })
const cpu = process.cpuUsage()
const run = await sendLoop(url, { total, concurrency, body: DELIVERY_BODY, headers: { 'x-hookstream-event-id': 'evt_floor' } })
const used = process.cpuUsage(cpu)
// CPU per request (all threads of this process): the machine is shared, so time alone is noisy.
console.log(JSON.stringify({ requests: total, concurrency, seconds: run.seconds, perSecond: total / run.seconds, cpuUsPerRequest: (used.user + used.system) / total, failures: run.failures }))
