/**
 * Where ingest's CPU goes by kind: user and system time per answered request, for the whole
 * process and for its main (JS) thread, for the storage floor, bare Bun and hookstream's
 * configurations (CONFIGS=a,b,c,d; (a) by default), alternated ROUNDS times (wrk -t1 -c32,
 * SECONDS_PER_RUN s, 1 KB body, access log on).
 * System time is mostly the WAL: SQLite writes each frame with its own write() calls, and the
 * checkpoints copy the frames again (hookstream on a thread of its own, the floor on its only one).
 *   bun bench/cpu-split.ts            (BENCH_BIN for another build)
 */
import { rmSync } from 'node:fs'
import { INGEST_CONFIGS, type IngestConfig, SOURCE_SPECS, signedHeaders, wrkExtra } from './lib/configs'
import { startHookstream } from './lib/hookstream'
import { eachThread, INGEST_BODY as body, median, startBare, startFloor, wrk } from './lib/tools'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 6)
const json = { 'content-type': 'application/json' }

/** CPU seconds of every thread of `pid` (user, system) and of its main thread alone. */
function split(pid: number) {
	const t = { user: 0, sys: 0, mainUser: 0, mainSys: 0 }
	eachThread(pid, (tid, times) => {
		t.user += times.user
		t.sys += times.sys
		if (tid === pid) [t.mainUser, t.mainSys] = [times.user, times.sys]
	})
	return t
}

const floor = await startFloor()
const bare = await startBare()
const hs = await startHookstream([])
const CONFIGS = (process.env.CONFIGS ?? 'a').split(',') as IngestConfig[]
for (const c of CONFIGS) if (!INGEST_CONFIGS.includes(c)) throw new Error(`CONFIGS: ${c} is not one of ${INGEST_CONFIGS.join(', ')}`)
type Target = { url: string; pid: number; config: IngestConfig | null }
const targets: Record<string, Target> = { floor: { url: floor.url, pid: floor.proc.pid, config: null }, bare: { url: bare.url, pid: bare.proc.pid, config: null } }
for (const config of CONFIGS) {
	const source = (await hs.api<{ source: { id: string } }>('POST', '/v1/sources', SOURCE_SPECS[config])).source.id
	targets[`(${config})`] = { url: `${hs.base}/v1/ingest/${source}`, pid: hs.proc.pid, config }
}
const load = (t: Target, seconds: number) =>
	wrk(t.url, { body, headers: t.config ? signedHeaders(t.config) : json, connections: 32, seconds, threads: 1, ...(t.config ? wrkExtra(t.config) : {}) })
type Row = { rps: number; user: number; sys: number; mainUser: number; mainSys: number }
const rows: Record<string, Row[]> = Object.fromEntries(Object.keys(targets).map((name) => [name, []]))
for (const t of Object.values(targets)) if (t.config) await load(t, 2) // warm-up
for (let round = 0; round < ROUNDS; round++) {
	for (const [name, t] of Object.entries(targets)) {
		const before = split(t.pid)
		const r = await load(t, SECONDS)
		const after = split(t.pid)
		const per = (k: keyof typeof before) => ((after[k] - before[k]) * 1e6) / r.requests
		rows[name]?.push({ rps: r.rps, user: per('user'), sys: per('sys'), mainUser: per('mainUser'), mainSys: per('mainSys') })
	}
}
console.log(`\nIngest CPU per answered request by kind, µs (wrk -t1 -c32, ${SECONDS} s × ${ROUNDS} rounds, medians; 1 KB body)\n`)
console.log('| server | req/s | user | system | total | main thread user | main thread system | other threads |')
console.log('|---|---|---|---|---|---|---|---|')
for (const [name, rs] of Object.entries(rows)) {
	const m = (k: keyof Row) => median(rs.map((r) => r[k]))
	const other = m('user') + m('sys') - m('mainUser') - m('mainSys')
	console.log(`| ${name} | ${m('rps').toFixed(0)} | ${m('user').toFixed(1)} | ${m('sys').toFixed(1)} | ${(m('user') + m('sys')).toFixed(1)} | ${m('mainUser').toFixed(1)} | ${m('mainSys').toFixed(1)} | ${other.toFixed(1)} |`)
}
for (const p of [floor.proc, bare.proc, hs.proc]) p.kill('SIGTERM')
await Promise.all([floor.proc.exited, bare.proc.exited, hs.proc.exited])
for (const dir of [floor.dir, hs.dataDir]) rmSync(dir, { recursive: true, force: true })
