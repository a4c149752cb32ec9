/**
 * Scale: fill the database to TARGET events through the real ingest path, then
 * measure the events list (first page and a filtered page), bytes per event,
 * and ingest throughput on the full database versus the empty one.
 * `bun run bench:scale` (TARGET=1000000 by default; takes a few minutes).
 */
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { startHookstream } from './lib/hookstream'
import { rssMiB, wrk } from './lib/tools'

const TARGET = Number(process.env.TARGET ?? 1_000_000)
const hs = await startHookstream(['--no-access-log'])
const idle = rssMiB(hs.proc.pid)
const { source: a } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'bulk', slug: 'bulk' })
const { source: b } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'rare', slug: 'rare' })
const body = JSON.stringify({ type: 'order.created', data: { id: 'ord_1', amount: 1200, pad: 'x'.repeat(850) } })
const load = (id: string, seconds: number) => wrk(`${hs.base}/v1/ingest/${id}`, { body, headers: { 'content-type': 'application/json' }, connections: 32, seconds })
const total = async () => (await hs.api<{ pagination: { total: number } }>('GET', '/v1/events?limit=1')).pagination.total

const empty = await load(a.id, 10)
await load(b.id, 3) // the "rare" source: a small share of the events, for the filtered page
for (let n = await total(); n < TARGET; n = await total()) {
	const seconds = Math.max(2, Math.min(60, Math.ceil((TARGET - n) / Math.max(empty.rps, 1000))))
	await load(a.id, seconds)
	console.error(`${await total()} events stored`)
}
const stored = await total()
const rssFull = rssMiB(hs.proc.pid)

async function timeGets(path: string, n = 200): Promise<{ p50: number; p99: number }> {
	const times: number[] = []
	for (let i = 0; i < n; i++) {
		const started = performance.now()
		const res = await fetch(`${hs.base}${path}`, { headers: { 'x-api-key': hs.key } })
		await res.arrayBuffer()
		if (res.status !== 200) throw new Error(`${path}: ${res.status}`)
		times.push(performance.now() - started)
	}
	times.sort((x, y) => x - y)
	return { p50: times[Math.floor(n / 2)] ?? Number.NaN, p99: times[Math.floor(n * 0.99)] ?? Number.NaN }
}

const firstPage = await timeGets('/v1/events?limit=50')
const bySource = await timeGets(`/v1/events?source_id=${b.id}&limit=50`)
const byMethod = await timeGets('/v1/events?method=POST&limit=50')
const after = await load(a.id, 10)
const files = ['hookstream.db', 'hookstream.db-wal'].map((f) => {
	try {
		return statSync(join(hs.dataDir, f)).size
	} catch {
		return 0
	}
})
const bytes = files.reduce((x, y) => x + y, 0)

console.log(`\nScale: ${stored} events stored through ingest (${Buffer.byteLength(body)} B bodies)\n`)
console.log('| measure | value | target | met |')
console.log('|---|---|---|---|')
console.log(`| GET /v1/events?limit=50 (first page) p50 / p99 | ${firstPage.p50.toFixed(2)} / ${firstPage.p99.toFixed(2)} ms | p99 ≤ 20 ms | ${firstPage.p99 <= 20 ? 'yes' : 'no'} |`)
console.log(`| GET /v1/events?source_id=…&limit=50 (filtered) p50 / p99 | ${bySource.p50.toFixed(2)} / ${bySource.p99.toFixed(2)} ms | p99 ≤ 20 ms | ${bySource.p99 <= 20 ? 'yes' : 'no'} |`)
console.log(`| GET /v1/events?method=POST&limit=50 (unindexed filter) p50 / p99 | ${byMethod.p50.toFixed(2)} / ${byMethod.p99.toFixed(2)} ms | | |`)
console.log(`| database bytes per event (db + wal) | ${(bytes / stored).toFixed(0)} B | | |`)
console.log(`| ingest on the empty database | ${empty.rps.toFixed(0)} req/s | | |`)
console.log(`| ingest after ${stored} events | ${after.rps.toFixed(0)} req/s (${(after.rps / empty.rps).toFixed(2)} ×) | ≥ 0.9 × | ${after.rps / empty.rps >= 0.9 ? 'yes' : 'no'} |`)
console.log(`| RSS idle / after the fill / after the last load | ${idle.toFixed(0)} / ${rssFull.toFixed(0)} / ${rssMiB(hs.proc.pid).toFixed(0)} MiB | idle ≤ 80 MiB | ${idle <= 80 ? 'yes' : 'no'} |`)

hs.proc.kill('SIGTERM')
await hs.proc.exited
