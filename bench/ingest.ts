/**
 * Ingest throughput against two floors measured in the same run.
 * `bun run bench:ingest` — builds dist/hookstream when missing, installs wrk when missing.
 * `bun run bench:ingest --quick` — ≤ 30 s regression guard: floor and (a) only, prints the ratio.
 *
 * Configurations, each wrk -t1 -c32 × SECONDS s, alternated ROUNDS times (≥ 4):
 *   floor  bench/floor-server.ts: group-commits (received_at, headers, body) to one SQLite table
 *   bare   bench/baseline-server.ts: bare Bun.serve, reads the body, stores nothing
 *   contract  bench/contract-floor-server.ts with hookstream's checkpoint thread: the floor plus the work
 *          every answered request needs (peer address, evt_ id, hookstream's events repo and schema,
 *          X-Request-Id, access-log line); hookstream's configurations are also reported against it
 *   contract-b, contract-c  the same with (b)'s and (c)'s verification (and (c)'s payload-hash dedup)
 *          done with Bun's fastest primitives: the like-for-like floors of (b) and (c), each reported
 *          against its own (a against contract)
 *   (a)    hookstream, source without verification
 *   (b)    hookstream, hmac_sha256 verification
 *   (c)    hookstream, stripe template + payload_hash dedup (one body: every event after the first is a duplicate)
 *   (d)    as (c), deduplicated by a delivery-id header unique per request instead: every event is new and
 *          writes its dedup key (no target; wrk builds each request in Lua, a little more load tool CPU)
 * Then one run each at 256 connections (errors, p99), and stored bytes per event
 * (db + wal after the server's closing checkpoint) against the body size.
 */
import { Database } from 'bun:sqlite'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { CONTRACT_FLOORS, type ContractFloor, type IngestConfig, isContractFloor, SOURCE_SPECS, signedHeaders, wrkExtra } from './lib/configs'
import { startHookstream } from './lib/hookstream'
import { cpuSeconds, INGEST_BODY as body, median, rssMiB, startBare, startContractFloor, startFloor, tempDir, type WrkResult, wrk } from './lib/tools'

const QUICK = process.argv.includes('--quick')
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? (QUICK ? 4 : 8))
const ROUNDS = Number(process.env.ROUNDS ?? (QUICK ? 2 : 4))
const CONNECTIONS = 32
const WIDE = 256

const bodyBytes = Buffer.byteLength(body)
if (bodyBytes < 1000 || bodyBytes > 1100) throw new Error(`body is ${bodyBytes} bytes, want ~1 KB`)

const hs = await startHookstream([], { dataDir: tempDir('hs-bench-ingest-') })
const { base, key, dataDir, proc: hookstream } = hs
const floor = await startFloor()
const floorDir = floor.dir
const bare = await startBare()

const createSource = async (spec: Record<string, unknown>): Promise<string> => (await hs.api<{ source: { id: string } }>('POST', '/v1/sources', spec)).source.id
const sources = {
	warmup: await createSource({ name: 'warm-up', slug: 'bench-warmup' }),
	a: await createSource(SOURCE_SPECS.a),
	b: await createSource(SOURCE_SPECS.b),
	c: await createSource(SOURCE_SPECS.c),
	d: await createSource(SOURCE_SPECS.d)
}

type Config = 'floor' | 'bare' | ContractFloor | IngestConfig
// CONFIGS=floor,b (with --quick) compares other configurations the quick way.
const CONFIGS = (process.env.CONFIGS?.split(',') ?? (QUICK ? ['floor', 'a'] : ['floor', 'bare', 'contract', 'contract-b', 'contract-c', 'a', 'b', 'c', 'd'])) as Config[]
// Started only when measured (not in the quick guard); their data dirs go with the others at the end.
const contracts: Partial<Record<ContractFloor, Awaited<ReturnType<typeof startContractFloor>>>> = {}
for (const name of Object.keys(CONTRACT_FLOORS) as ContractFloor[]) if (CONFIGS.includes(name)) contracts[name] = await startContractFloor([...CONTRACT_FLOORS[name].options])
/** The reference servers, by name; every other configuration is hookstream. */
const references: Partial<Record<Config, { url: string; proc: { pid: number } }>> = { floor, bare, ...contracts }
const isHookstream = (c: Config): c is IngestConfig => !(c in references)
const GOALS: Partial<Record<Config, number>> = { a: 0.85, b: 0.8, c: 0.75 }
/** Each hookstream configuration's like-for-like contract floor: the same verification and storage work. */
const LIKE_FOR_LIKE = Object.fromEntries(Object.entries(CONTRACT_FLOORS).map(([name, f]) => [f.like, name])) as Partial<Record<IngestConfig, ContractFloor>>

function target(config: Config): { url: string; headers: Record<string, string> } {
	if (isHookstream(config)) return { url: `${base}/v1/ingest/${sources[config]}`, headers: signedHeaders(config) }
	const like = isContractFloor(config) ? CONTRACT_FLOORS[config].like : 'a'
	return { url: references[config]?.url ?? '', headers: signedHeaders(like) }
}

const pidOf = (config: Config) => (isHookstream(config) ? hookstream.pid : (references[config]?.proc.pid ?? Number.NaN))
/** Server CPU per answered request: steadier than req/s when other work shares the cores. */
const cpuUs = Object.fromEntries([...new Set<Config>(['floor', ...CONFIGS])].map((c) => [c, [] as number[]])) as Record<Config, number[]>
async function run(config: Config, connections: number, seconds: number): Promise<WrkResult> {
	const { url, headers } = target(config)
	const cpu0 = cpuSeconds(pidOf(config))
	const r = await wrk(url, { body, headers, connections, seconds, threads: 1, ...(isHookstream(config) ? wrkExtra(config) : {}) })
	// A reference server that refused requests (a contract floor's signature check: 401) would look fast: no figure from it.
	if (!isHookstream(config) && r.non2xx > 0) throw new Error(`${config} answered ${r.non2xx} requests with a non-2xx status`)
	if (connections === CONNECTIONS) cpuUs[config].push(((cpuSeconds(pidOf(config)) - cpu0) * 1e6) / r.requests)
	return r
}

const results = Object.fromEntries(CONFIGS.map((c) => [c, [] as WrkResult[]])) as Record<Config, WrkResult[]>
const rss: number[] = []
await wrk(`${base}/v1/ingest/${sources.warmup}`, { body, headers: target('a').headers, connections: CONNECTIONS, seconds: 2, threads: 1 }) // warm-up, not reported
await run('floor', CONNECTIONS, 2)
for (let round = 0; round < ROUNDS; round++) {
	for (const config of CONFIGS) {
		const r = await run(config, CONNECTIONS, SECONDS)
		results[config].push(r)
		if (isHookstream(config)) rss.push(rssMiB(hookstream.pid))
		console.error(`round ${round + 1} ${config}: ${r.rps.toFixed(0)} req/s, server CPU ${cpuUs[config].at(-1)?.toFixed(1)} µs/req, p50 ${r.p50ms} ms p99 ${r.p99ms} ms non-2xx ${r.non2xx} errors ${r.errors}`)
	}
}

const rpsOf = (c: Config) => median(results[c].map((r) => r.rps))
const floorRps = rpsOf('floor')

if (QUICK) {
	for (const c of CONFIGS.filter((c) => c !== 'floor')) {
		const goal = GOALS[c] === undefined ? '' : ` (target ≥ ${GOALS[c]})`
		console.log(`quick: floor ${floorRps.toFixed(0)} req/s, (${c}) ${rpsOf(c).toFixed(0)} req/s, p99 ${median(results[c].map((r) => r.p99ms)).toFixed(2)} ms — ratio to floor ${(rpsOf(c) / floorRps).toFixed(2)}${goal}; server CPU per request floor ${median(cpuUs.floor).toFixed(1)} µs, (${c}) ${median(cpuUs[c]).toFixed(1)} µs`)
	}
	await stop()
	for (const dir of [dataDir, floorDir, ...Object.values(contracts).map((c) => c.dir)]) rmSync(dir, { recursive: true, force: true })
	process.exit(0)
}

const answered = (c: Config) => [...results[c], ...(wide[c] ? [wide[c]] : [])].reduce((n, r) => n + r.requests - r.non2xx, 0)
const wide: Partial<Record<Config, WrkResult>> = {}
for (const config of ['floor', 'a', 'b', 'c', 'd'] as const) {
	wide[config] = await run(config, WIDE, SECONDS)
	console.error(`${WIDE} connections ${config}: ${wide[config]?.rps.toFixed(0)} req/s p99 ${wide[config]?.p99ms} ms non-2xx ${wide[config]?.non2xx} errors ${wide[config]?.errors}`)
}

async function stored(id: string): Promise<number> {
	const res = await fetch(`${base}/v1/events?source_id=${id}&limit=1`, { headers: { 'x-api-key': key } })
	return ((await res.json()) as { pagination: { total: number } }).pagination.total
}

// Either reference may be left out of CONFIGS: its column stays empty.
const ratioTo = (reference: Config, rps: number) => (CONFIGS.includes(reference) ? (rps / rpsOf(reference)).toFixed(2) : '')
console.log(`\nIngest, wrk -t1 -c${CONNECTIONS}, ${SECONDS} s × ${ROUNDS} alternating rounds, ${bodyBytes} B JSON body, access log on\n`)
console.log('| config | req/s (median) | per round | p50 ms | p99 ms | × floor | × bare Bun | × contract floor | × its own contract floor | target | met | server CPU µs/req | 2xx answered | events stored |')
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const config of CONFIGS) {
	const rs = results[config]
	const rps = rpsOf(config)
	const p99 = median(rs.map((r) => r.p99ms))
	const goal = GOALS[config] ?? null
	const hs = isHookstream(config)
	const met = goal === null ? '' : rps / floorRps >= goal && p99 <= 10 ? 'yes' : '**no**'
	console.log(`| ${config} | ${rps.toFixed(0)} | ${rs.map((r) => r.rps.toFixed(0)).join(' / ')} | ${median(rs.map((r) => r.p50ms)).toFixed(2)} | ${p99.toFixed(2)} | ${(rps / floorRps).toFixed(2)} | ${ratioTo('bare', rps)} | ${hs || isContractFloor(config) ? ratioTo('contract', rps) : ''} | ${hs && LIKE_FOR_LIKE[config] ? ratioTo(LIKE_FOR_LIKE[config], rps) : ''} | ${goal === null ? '' : `≥ ${goal} × floor, p99 ≤ 10 ms`} | ${met} | ${median(cpuUs[config]).toFixed(1)} | ${hs ? answered(config) : 'n/a'} | ${hs ? await stored(sources[config as IngestConfig]) : 'n/a'} |`)
}
console.log(`\n${WIDE} connections, one run of ${SECONDS} s each:\n`)
console.log('| config | req/s | p99 ms | non-2xx | socket errors | met (no error, p99 ≤ 40 ms) |')
console.log('|---|---|---|---|---|---|')
for (const [config, r] of Object.entries(wide)) {
	const met = config === 'floor' ? '' : r.non2xx === 0 && r.errors === 0 && r.p99ms <= 40 ? 'yes' : '**no**'
	console.log(`| ${config} | ${r.rps.toFixed(0)} | ${r.p99ms.toFixed(2)} | ${r.non2xx} | ${r.errors} | ${met} |`)
}
console.log(`\nhookstream RSS at the end of each load: ${rss.map((r) => r.toFixed(0)).join(', ')} MiB`)
console.log('2xx answered counts every run on the source (the 256-connection one too). wrk counts only responses it read before stopping; requests still in flight at the cut-off may be stored without being counted, so stored ≥ 2xx, by at most the connection count per run.')

const events = (await Promise.all(Object.values(sources).map(stored))).reduce((a, b) => a + b, 0)
await stop()
const size = (dir: string, file: string) => ['', '-wal'].reduce((n, suffix) => n + fileSize(join(dir, `${file}${suffix}`)), 0)
const hsBytes = size(dataDir, 'hookstream.db')
// The floor server stops without a checkpoint: fold its WAL here, as hookstream does on stop.
const floorDb = new Database(join(floorDir, 'floor.db'))
const floorEvents = floorDb.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM events').get()?.n ?? 0
floorDb.run('PRAGMA wal_checkpoint(TRUNCATE)')
floorDb.close()
const floorBytes = size(floorDir, 'floor.db')
console.log(`\nStored bytes per event (db + wal after checkpoint), ${bodyBytes} B body:`)
console.log(`hookstream, all configurations in one database: ${(hsBytes / events).toFixed(0)} B (${events} events; body + ${(hsBytes / events - bodyBytes).toFixed(0)} B; target ≤ body + 700 B: ${hsBytes / events - bodyBytes <= 700 ? 'met' : '**not met**'})`)
console.log(`floor ${(floorBytes / floorEvents).toFixed(0)} B (${floorEvents} events; body + ${(floorBytes / floorEvents - bodyBytes).toFixed(0)} B)`)
rmSync(dataDir, { recursive: true, force: true })
rmSync(floorDir, { recursive: true, force: true })
for (const c of Object.values(contracts)) rmSync(c.dir, { recursive: true, force: true })
console.log(`hookstream, (a) alone on a fresh data dir: ${await bytesPerEventOfA()}`)

/** Rows of (b) and (c) carry signature headers (and a dedup hash) that (a) lacks: measure (a) on its own too. */
async function bytesPerEventOfA(): Promise<string> {
	const one = await startHookstream(['--no-access-log'], { dataDir: tempDir('hs-bench-bytes-') })
	const dir = one.dataDir
	const { source } = await one.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'bytes', slug: 'bytes' })
	await wrk(`${one.base}/v1/ingest/${source.id}`, { body, headers: signedHeaders('a'), connections: CONNECTIONS, seconds: 4, threads: 1 })
	const n = (await one.api<{ pagination: { total: number } }>('GET', '/v1/events?limit=1')).pagination.total
	one.proc.kill('SIGTERM')
	await one.proc.exited
	const perEvent = size(dir, 'hookstream.db') / n
	rmSync(dir, { recursive: true, force: true })
	return `${perEvent.toFixed(0)} B (${n} events; body + ${(perEvent - bodyBytes).toFixed(0)} B; target ≤ body + 700 B: ${perEvent - bodyBytes <= 700 ? 'met' : '**not met**'})`
}

function fileSize(path: string): number {
	try {
		return statSync(path).size
	} catch {
		return 0
	}
}

async function stop(): Promise<void> {
	const procs = [hookstream, floor.proc, bare.proc, ...Object.values(contracts).map((c) => c.proc)]
	for (const p of procs) p.kill('SIGTERM')
	await Promise.all(procs.map((p) => p.exited))
}
