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
import { rmSync } from 'node:fs'
import { INGEST_CONFIGS, type IngestConfig, SOURCE_SPECS, signedHeaders, wrkExtra } from './lib/configs'
import { startHookstream } from './lib/hookstream'
import { cpuSeconds, INGEST_BODY as body, median, startFloor, wrk } from './lib/tools'

const [binA, binB] = process.argv.slice(2)
if (!binA || !binB) throw new Error('usage: bun bench/ab.ts <binary A> <binary B>')
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 8)
const ROUNDS = Number(process.env.ROUNDS ?? 6)
const CONFIG = (process.env.CONFIG ?? 'a') as IngestConfig
if (!INGEST_CONFIGS.includes(CONFIG)) throw new Error(`CONFIG must be a, b, c or d (got ${CONFIG})`)

/** Data dirs to remove at the end: a run stores millions of events (gigabytes). */
const dirs: string[] = []

async function start(bin: string) {
	const hs = await startHookstream(process.env.ACCESS_LOG === '1' ? [] : ['--no-access-log'], { bin })
	dirs.push(hs.dataDir)
	const { source } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', SOURCE_SPECS[CONFIG])
	return { floor: false, proc: hs.proc, url: `${hs.base}/v1/ingest/${source.id}` }
}

const floorServer = await startFloor()
dirs.push(floorServer.dir)
const floor = { floor: true, proc: floorServer.proc, url: floorServer.url }
const targets = { floor, A: await start(binA), B: await start(binB) }
type Name = keyof typeof targets
const names: Name[] = ['floor', 'A', 'B']

async function run(name: Name) {
	const t = targets[name]
	const cpu0 = cpuSeconds(t.proc.pid)
	const r = await wrk(t.url, { body, headers: signedHeaders(t.floor ? 'a' : CONFIG), connections: 32, seconds: SECONDS, threads: 1, ...(t.floor ? {} : wrkExtra(CONFIG)) })
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
