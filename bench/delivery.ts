/**
 * Delivery throughput and latency, end to end: ingest → store → worker → a
 * real receiver in its own process. `bun run bench:delivery`.
 *   1. saturation: ingest as fast as wrk can for INGEST_SECONDS into a source with 1
 *      (then 4) connections; deliveries/s = deliveries ÷ (last arrival − first arrival).
 *   2. latency: a paced sender at 1,000 events/s for 10 s; ingest→receiver p50/p99.
 */
import { join } from 'node:path'
import { startHookstream, sourceTo } from './lib/hookstream'
import { freePort, ROOT, rssMiB, startServer, wrk } from './lib/tools'

const INGEST_SECONDS = Number(process.env.INGEST_SECONDS ?? 3)
const rxPort = await freePort()
const rxUrl = `http://127.0.0.1:${rxPort}`
const receiver = await startServer([process.execPath, join(ROOT, 'bench', 'receiver-server.ts'), String(rxPort)], `${rxUrl}/stats`)
const hs = await startHookstream(['--allow-private-destinations', '--no-access-log'])

type Stats = { count: number; unique: number; duplicates: number; p50: number | null; p99: number | null; first_at: number; last_at: number }
const stats = async () => (await (await fetch(`${rxUrl}/stats`)).json()) as Stats
const reset = () => fetch(`${rxUrl}/reset`, { method: 'POST' })

async function drained(expected: number, timeoutMs = 300_000): Promise<Stats> {
	const started = Date.now()
	for (;;) {
		const s = await stats()
		if (s.count >= expected) return s
		if (Date.now() - started > timeoutMs) throw new Error(`only ${s.count} of ${expected} deliveries arrived`)
		await Bun.sleep(100)
	}
}

async function saturation(connections: number) {
	await reset()
	const sourceId = await sourceTo(hs, `sat-${connections}`, rxUrl, connections)
	const w = await wrk(`${hs.base}/v1/ingest/${sourceId}`, { body: JSON.stringify({ type: 'bench', pad: 'x'.repeat(900) }), headers: { 'content-type': 'application/json' }, connections: 32, seconds: INGEST_SECONDS })
	const { pagination } = await hs.api<{ pagination: { total: number } }>('GET', `/v1/events?source_id=${sourceId}&limit=1`)
	const s = await drained(pagination.total * connections)
	const seconds = (s.last_at - s.first_at) / 1000
	return { connections, events: pagination.total, ingestRps: w.rps, deliveries: s.count, seconds, perSecond: s.count / seconds, duplicates: s.duplicates, rss: rssMiB(hs.proc.pid) }
}

async function paced(rate: number, seconds: number) {
	await reset()
	const sourceId = await sourceTo(hs, `paced-${rate}`, rxUrl, 1)
	const url = `${hs.base}/v1/ingest/${sourceId}`
	const tickMs = 10
	const perTick = rate / (1000 / tickMs)
	const inflight: Promise<unknown>[] = []
	const start = performance.now()
	for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
		for (let i = 0; i < perTick; i++) {
			inflight.push(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"sent_at":${Date.now()},"pad":"${'x'.repeat(900)}"}` }).then((r) => r.arrayBuffer()))
		}
		const wait = start + (tick + 1) * tickMs - performance.now()
		if (wait > 0) await Bun.sleep(wait)
	}
	await Promise.all(inflight)
	const s = await drained(rate * seconds)
	return { rate, seconds, p50: s.p50, p99: s.p99, delivered: s.count }
}

const sat1 = await saturation(1)
const sat4 = await saturation(4)
const lat = await paced(1000, 10)

console.log('\nDelivery, compiled binary, receiver in its own process\n')
console.log('| run | events | deliveries | seconds | deliveries/s | duplicates | RSS after (MiB) | target | met |')
console.log('|---|---|---|---|---|---|---|---|---|')
for (const r of [sat1, sat4]) {
	console.log(`| saturation, ${r.connections} connection(s) (ingest ${r.ingestRps.toFixed(0)} req/s for ${INGEST_SECONDS} s) | ${r.events} | ${r.deliveries} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(0)} | ${r.duplicates} | ${r.rss.toFixed(0)} | ≥ 5000/s | ${r.perSecond >= 5000 ? 'yes' : 'no'} |`)
}
console.log(`\nLatency ingest→receiver at ${lat.rate} events/s for ${lat.seconds} s: p50 ${lat.p50} ms, p99 ${lat.p99} ms (target p50 ≤ 25 ms: ${lat.p50 !== null && lat.p50 <= 25 ? 'met' : 'missed'}); ${lat.delivered} delivered`)

hs.proc.kill('SIGTERM')
receiver.kill('SIGTERM')
await Promise.all([hs.proc.exited, receiver.exited])
