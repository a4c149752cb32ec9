/**
 * Ingest A/B of two builds in one run: `bun bench/ab.ts <binary A> <binary B>`.
 * Each build serves one configuration of bench:ingest on its own fresh data dir: CONFIG=a
 * (the default: a source without verification), b (hmac_sha256), c (the Stripe template
 * with payload_hash dedup, one body: duplicates after the first) or d (as c, deduplicated by a
 * header unique per request: every key written); ACCESS_LOG=1 keeps the access log on (off by default here).
 * The SQLite floor (bench/floor-server.ts) runs beside them. ROUNDS rounds of wrk -t1 -c32 ×
 * SECONDS_PER_RUN s, the order rotated each round. Reported per build: median req/s, median ratio to the floor of the same round, and median server CPU
 * per request (steadier than req/s when the machine is shared), then B relative to A.
 */
import { createHmac } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { cpuSeconds, freePort, median, ROOT, startServer, tempDir, wrk } from './lib/tools'

const [binA, binB] = process.argv.slice(2)
if (!binA || !binB) throw new Error('usage: bun bench/ab.ts <binary A> <binary B>')
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 8)
const ROUNDS = Number(process.env.ROUNDS ?? 6)
const body = JSON.stringify({ id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_3NG8Du', amount: 2000, currency: 'usd', description: 'x'.repeat(851) } } })
const json = { 'content-type': 'application/json' }
const CONFIG = process.env.CONFIG ?? 'a'
const hmacSecret = 'bench-hmac-secret'
const stripeSecret = 'whsec_bench_secret'
/** (d) deduplicates by this header, unique per request (bench/lib/tools.ts wrk). */
const UNIQUE_HEADER = 'x-delivery-id'
/** The same sources and signatures as bench/ingest.ts. */
const SOURCES: Record<string, Record<string, unknown>> = {
	a: { name: 'a', slug: 'bench-a' },
	b: { name: 'b', slug: 'bench-b', verification_type: 'hmac_sha256', verification_header: 'X-Signature', verification_secret: hmacSecret },
	c: { name: 'c', slug: 'bench-c', template: 'stripe', verification_secret: stripeSecret, dedup_enabled: true, dedup_strategy: 'payload_hash' },
	d: { name: 'd', slug: 'bench-d', template: 'stripe', verification_secret: stripeSecret, dedup_enabled: true, dedup_strategy: 'header_field', dedup_field: UNIQUE_HEADER }
}
const spec = SOURCES[CONFIG]
if (!spec) throw new Error(`CONFIG must be a, b, c or d (got ${CONFIG})`)

/** Request headers for the configuration; Stripe's are signed per run so its 300 s tolerance holds. */
function signed(): Record<string, string> {
	if (CONFIG === 'b') return { ...json, 'x-signature': `sha256=${createHmac('sha256', hmacSecret).update(body).digest('hex')}` }
	if (CONFIG !== 'c' && CONFIG !== 'd') return json
	const ts = Math.floor(Date.now() / 1000)
	return { ...json, 'stripe-signature': `t=${ts},v1=${createHmac('sha256', stripeSecret).update(`${ts}.${body}`).digest('hex')}` }
}

/** Data dirs to remove at the end: a run stores millions of events (gigabytes). */
const dirs: string[] = []

async function start(bin: string) {
	const dir = tempDir('hs-bench-ab-')
	const key = Bun.spawnSync([bin, '--create-admin-key', '--data-dir', dir]).stdout.toString().trim().split('\n').at(-1) ?? ''
	const port = await freePort()
	const base = `http://127.0.0.1:${port}`
	const proc = await startServer([bin, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dir, ...(process.env.ACCESS_LOG === '1' ? [] : ['--no-access-log'])], `${base}/readyz`)
	dirs.push(dir)
	const res = await fetch(`${base}/v1/sources`, { method: 'POST', headers: { 'x-api-key': key, ...json }, body: JSON.stringify(spec) })
	if (res.status !== 201) throw new Error(`${bin}: create source ${res.status}`)
	const id = ((await res.json()) as { source: { id: string } }).source.id
	return { floor: false, proc, url: `${base}/v1/ingest/${id}` }
}

const floorPort = await freePort()
const floorDir = tempDir('hs-bench-floor-')
dirs.push(floorDir)
const floor = { floor: true, proc: await startServer([process.execPath, join(ROOT, 'bench', 'floor-server.ts'), String(floorPort), floorDir], `http://127.0.0.1:${floorPort}/`), url: `http://127.0.0.1:${floorPort}/v1/ingest/x` }
const targets = { floor, A: await start(binA), B: await start(binB) }
type Name = keyof typeof targets
const names: Name[] = ['floor', 'A', 'B']

async function run(name: Name) {
	const t = targets[name]
	const cpu0 = cpuSeconds(t.proc.pid)
	const r = await wrk(t.url, { body, headers: t.floor ? json : signed(), connections: 32, seconds: SECONDS, threads: 1, ...(CONFIG === 'd' && !t.floor ? { uniqueHeader: UNIQUE_HEADER } : {}) })
	if (r.non2xx + r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} socket errors`)
	return { rps: r.rps, cpuUs: ((cpuSeconds(t.proc.pid) - cpu0) * 1e6) / r.requests }
}

for (const name of names) await run(name) // warm-up
const rows: Record<Name, { rps: number; cpuUs: number; ratio: number }[]> = { floor: [], A: [], B: [] }
for (let r = 0; r < ROUNDS; r++) {
	const order = names.map((_, i) => names[(i + r) % names.length] as Name)
	const round = {} as Record<Name, { rps: number; cpuUs: number }>
	for (const name of order) round[name] = await run(name)
	for (const name of names) rows[name].push({ ...round[name], ratio: round[name].rps / round.floor.rps })
	console.error(`round ${r + 1}: ${names.map((n) => `${n} ${round[n].rps.toFixed(0)}/s ${round[n].cpuUs.toFixed(1)} µs`).join(', ')}`)
}
console.log(`\nconfiguration (${CONFIG}), access log ${process.env.ACCESS_LOG === '1' ? 'on' : 'off'}`)
console.log(`\n| build | req/s | × floor (same round) | server CPU µs/request |\n|---|---|---|---|`)
for (const name of names) console.log(`| ${name === 'floor' ? 'floor' : `${name}: ${name === 'A' ? binA : binB}`} | ${median(rows[name].map((x) => x.rps)).toFixed(0)} | ${name === 'floor' ? '—' : median(rows[name].map((x) => x.ratio)).toFixed(3)} | ${median(rows[name].map((x) => x.cpuUs)).toFixed(1)} |`)
const ratioBA = median(rows.B.map((x) => x.ratio)) / median(rows.A.map((x) => x.ratio))
const cpuBA = median(rows.B.map((x) => x.cpuUs)) / median(rows.A.map((x) => x.cpuUs))
console.log(`\nB / A: floor ratio × ${ratioBA.toFixed(3)}, CPU per request × ${cpuBA.toFixed(3)}`)
for (const t of Object.values(targets)) t.proc.kill('SIGTERM')
await Promise.all(Object.values(targets).map((t) => t.proc.exited))
for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
