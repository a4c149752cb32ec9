/**
 * How much of ingest's gap to the storage floor is work the contract and the schema need, and how
 * much is hookstream's own request path: `bun bench/contract-floor.ts`.
 * Alternated ROUNDS times (wrk -t1 -c32 × SECONDS_PER_RUN s, 1 KB body, access log on):
 *   floor      bench/floor-server.ts
 *   contract   bench/contract-floor-server.ts: the floor plus what every answered request needs
 *              (peer address, header JSON, an evt_ id, hookstream's events repo and schema, an
 *              X-Request-Id, an access-log line) and nothing of hookstream's request path
 *   -ip, -request-id, -log, -id-index, -list-indexes, -schema   the contract floor with that one
 *              piece left out, to price it (PIECES=… for fewer)
 *   (a)        hookstream (BENCH_BIN, else dist/hookstream), a source without verification
 * Reported per server: median req/s, × floor (same round) and server CPU µs per request.
 */
import { rmSync } from 'node:fs'
import { SOURCE_SPECS, signedHeaders } from './lib/configs'
import { startHookstream } from './lib/hookstream'
import { cpuSeconds, INGEST_BODY as body, median, startContractFloor, startFloor, wrk } from './lib/tools'

const ROUNDS = Number(process.env.ROUNDS ?? 4)
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 6)
const PIECES = (process.env.PIECES ?? 'ip,request-id,log,id-index,list-indexes,schema').split(',').filter(Boolean)

const hs = await startHookstream([], { bin: process.env.BENCH_BIN })
const { source } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', SOURCE_SPECS.a)
const floor = await startFloor()
const contracts = [['contract', await startContractFloor()], ...(await Promise.all(PIECES.map(async (p) => [`contract -${p}`, await startContractFloor([p])] as const)))] as const
const servers: { name: string; url: string; pid: number }[] = [
	{ name: 'floor', url: floor.url, pid: floor.proc.pid },
	...contracts.map(([name, c]) => ({ name, url: c.url, pid: c.proc.pid })),
	{ name: '(a) hookstream', url: `${hs.base}/v1/ingest/${source.id}`, pid: hs.proc.pid }
]
const load = (url: string, seconds: number) => wrk(url, { body, headers: signedHeaders('a'), connections: 32, seconds, threads: 1 })

for (const s of servers) await load(s.url, 2) // warm-up
const rows = new Map<string, { rps: number; ratio: number; cpu: number }[]>(servers.map((s) => [s.name, []]))
for (let round = 0; round < ROUNDS; round++) {
	// Rotated each round, so no server always follows the same one.
	const order = servers.map((_, i) => servers[(i + round) % servers.length] as (typeof servers)[number])
	const got = new Map<string, { rps: number; cpu: number }>()
	for (const s of order) {
		const cpu0 = cpuSeconds(s.pid)
		const r = await load(s.url, SECONDS)
		if (r.non2xx + r.errors > 0) throw new Error(`${s.name}: ${r.non2xx} non-2xx, ${r.errors} socket errors`)
		got.set(s.name, { rps: r.rps, cpu: ((cpuSeconds(s.pid) - cpu0) * 1e6) / r.requests })
	}
	const floorRps = got.get('floor')?.rps ?? Number.NaN
	for (const [name, g] of got) rows.get(name)?.push({ ...g, ratio: g.rps / floorRps })
	console.error(`round ${round + 1}: ${[...got].map(([n, g]) => `${n} ${g.rps.toFixed(0)}/s ${g.cpu.toFixed(1)} µs`).join(', ')}`)
}

console.log(`\nIngest against the storage floor and the contract floor, wrk -t1 -c32, ${SECONDS} s × ${ROUNDS} rotated rounds, 1 KB body\n`)
console.log('| server | req/s (median) | × floor (same round) | server CPU µs/request |\n|---|---|---|---|')
for (const [name, rs] of rows) console.log(`| ${name} | ${median(rs.map((r) => r.rps)).toFixed(0)} | ${median(rs.map((r) => r.ratio)).toFixed(3)} | ${median(rs.map((r) => r.cpu)).toFixed(1)} |`)

hs.proc.kill('SIGTERM')
floor.proc.kill('SIGTERM')
for (const [, c] of contracts) c.proc.kill('SIGTERM')
await Promise.all([hs.proc.exited, floor.proc.exited, ...contracts.map(([, c]) => c.proc.exited)])
for (const dir of [hs.dataDir, floor.dir, ...contracts.map(([, c]) => c.dir)]) rmSync(dir, { recursive: true, force: true })
