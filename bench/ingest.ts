/**
 * Ingest throughput against a bare Bun baseline, in the same run.
 * `bun run bench:ingest` — builds dist/hookstream when missing, installs wrk when missing.
 *
 * Configurations, each 32 connections × SECONDS s, alternated ROUNDS times:
 *   baseline  bare Bun.serve: read the body, answer the same JSON
 *   (a)       hookstream, source without verification
 *   (b)       hookstream, hmac_sha256 verification
 *   (c)       hookstream, stripe template + payload_hash dedup
 * Reports requests/s, p50/p99, the ratio to the baseline, and checks that every
 * 2xx answer corresponds to a stored event.
 */
import { createHmac } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureBinary, freePort, ROOT, rssMiB, startServer, tempDir, wrk, type WrkResult } from './lib/tools'

const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 10)
const ROUNDS = Number(process.env.ROUNDS ?? 2)
const CONNECTIONS = 32

const body = JSON.stringify({ id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_3NG8Du', amount: 2000, currency: 'usd', description: 'x'.repeat(851) } } })
if (Buffer.byteLength(body) < 1000 || Buffer.byteLength(body) > 1100) throw new Error(`body is ${Buffer.byteLength(body)} bytes, want ~1 KB`)

const bin = ensureBinary()
const dataDir = tempDir('hs-bench-ingest-')
const key = Bun.spawnSync([bin, '--create-admin-key', '--data-dir', dataDir]).stdout.toString().trim().split('\n').at(-1) ?? ''
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const hookstream = await startServer([bin, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir], `${base}/readyz`)
const basePort = await freePort()
const baseline = await startServer([process.execPath, join(ROOT, 'bench', 'baseline-server.ts'), String(basePort)], `http://127.0.0.1:${basePort}/`)

async function createSource(spec: Record<string, unknown>): Promise<string> {
	const res = await fetch(`${base}/v1/sources`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(spec) })
	if (res.status !== 201) throw new Error(`create source: ${res.status} ${await res.text()}`)
	return ((await res.json()) as { source: { id: string } }).source.id
}

const hmacSecret = 'bench-hmac-secret'
const stripeSecret = 'whsec_bench_secret'
const sources = {
	warmup: await createSource({ name: 'warm-up', slug: 'bench-warmup' }),
	a: await createSource({ name: 'a', slug: 'bench-a' }),
	b: await createSource({ name: 'b', slug: 'bench-b', verification_type: 'hmac_sha256', verification_header: 'X-Signature', verification_secret: hmacSecret }),
	c: await createSource({ name: 'c', slug: 'bench-c', template: 'stripe', verification_secret: stripeSecret, dedup_enabled: true, dedup_strategy: 'payload_hash' })
}

type Config = 'baseline' | 'a' | 'b' | 'c'
function target(config: Config): { url: string; headers: Record<string, string> } {
	const json = { 'content-type': 'application/json' }
	if (config === 'baseline') return { url: `http://127.0.0.1:${basePort}/v1/ingest/x`, headers: json }
	if (config === 'a') return { url: `${base}/v1/ingest/${sources.a}`, headers: json }
	if (config === 'b') return { url: `${base}/v1/ingest/${sources.b}`, headers: { ...json, 'x-signature': `sha256=${createHmac('sha256', hmacSecret).update(body).digest('hex')}` } }
	// Signed just before the run so the 300 s tolerance holds throughout.
	const ts = Math.floor(Date.now() / 1000)
	const sig = createHmac('sha256', stripeSecret).update(`${ts}.${body}`).digest('hex')
	return { url: `${base}/v1/ingest/${sources.c}`, headers: { ...json, 'stripe-signature': `t=${ts},v1=${sig}` } }
}

const results: Record<Config, WrkResult[]> = { baseline: [], a: [], b: [], c: [] }
const rss: number[] = []
await wrk(`${base}/v1/ingest/${sources.warmup}`, { body, headers: target('a').headers, connections: CONNECTIONS, seconds: 2 }) // warm-up, not reported
for (let round = 0; round < ROUNDS; round++) {
	for (const config of ['baseline', 'a', 'b', 'c'] as const) {
		const { url, headers } = target(config)
		const r = await wrk(url, { body, headers, connections: CONNECTIONS, seconds: SECONDS })
		results[config].push(r)
		if (config !== 'baseline') rss.push(rssMiB(hookstream.pid))
		console.error(`round ${round + 1} ${config}: ${r.rps.toFixed(0)} req/s p50 ${r.p50ms} ms p99 ${r.p99ms} ms non-2xx ${r.non2xx} errors ${r.errors}`)
	}
}

async function stored(id: string): Promise<number> {
	const res = await fetch(`${base}/v1/events?source_id=${id}&limit=1`, { headers: { 'x-api-key': key } })
	return ((await res.json()) as { pagination: { total: number } }).pagination.total
}

const median = (xs: number[]) => {
	const sorted = [...xs].sort((x, y) => x - y)
	const mid = Math.floor(sorted.length / 2)
	// An even count (two rounds) averages the middle pair rather than picking the better run.
	return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2
}
const baseRps = median(results.baseline.map((r) => r.rps))
const targets: Record<Config, number | null> = { baseline: null, a: 0.5, b: 0.45, c: 0.4 }
console.log(`\nIngest, ${CONNECTIONS} connections, ${SECONDS} s × ${ROUNDS} rounds, ${Buffer.byteLength(body)} B JSON body, wrk -t2\n`)
console.log('| config | req/s (median) | p50 ms | p99 ms | ratio to baseline | target | met | 2xx answered | events stored |')
console.log('|---|---|---|---|---|---|---|---|---|')
for (const config of ['baseline', 'a', 'b', 'c'] as const) {
	const rs = results[config]
	const rps = median(rs.map((r) => r.rps))
	const ok2xx = rs.reduce((n, r) => n + r.requests - r.non2xx, 0)
	const count = config === 'baseline' ? null : await stored(sources[config])
	const ratio = rps / baseRps
	const goal = targets[config]
	const p99 = median(rs.map((r) => r.p99ms))
	const met = goal === null ? '' : ratio >= goal && p99 <= 10 ? 'yes' : 'no'
	console.log(`| ${config} | ${rps.toFixed(0)} | ${median(rs.map((r) => r.p50ms)).toFixed(2)} | ${p99.toFixed(2)} | ${ratio.toFixed(2)} | ${goal === null ? '' : `≥ ${goal}, p99 ≤ 10 ms`} | ${met} | ${ok2xx} | ${count ?? 'n/a'} |`)
}
console.log(`\nhookstream RSS at the end of each load: ${rss.map((r) => r.toFixed(0)).join(', ')} MiB`)
console.log('wrk counts only responses it read before stopping; requests still in flight at the cut-off may be stored without being counted, so stored ≥ 2xx, by at most the connection count per run.')

hookstream.kill('SIGTERM')
baseline.kill('SIGTERM')
await Promise.all([hookstream.exited, baseline.exited])
rmSync(dataDir, { recursive: true, force: true })
