/**
 * How much of ingest's gap to the storage floor is work the contract and the schema need, and how
 * much is hookstream's own request path: `bun bench/contract-floor.ts`.
 * Alternated ROUNDS times (wrk -t1 -c32 × SECONDS_PER_RUN s, 1 KB body, access log on):
 *   floor        bench/floor-server.ts
 *   contract     bench/contract-floor-server.ts: the floor plus what every answered request needs
 *                (peer address, header JSON, an evt_ id, hookstream's events repo and schema, an
 *                X-Request-Id, an access-log line) and nothing of hookstream's request path
 *   contract -ip, -request-id, -log, -list-indexes, -schema   that one piece left out,
 *                to price it (PIECES=… for fewer). A piece may join others with `+`, and
 *                `checkpointer` may be one of them: PIECES=checkpointer+list-indexes
 *                prices both index changes together on the like-for-like server
 *   contract +checkpointer   checkpoints on hookstream's thread (src/db/checkpointer.ts) instead
 *                of inside the commit, as hookstream does: the like-for-like server for (a)
 *   (a)          hookstream (BENCH_BIN, else dist/hookstream), a source without verification
 *   inbox floor  INBOX=1: the schema's work moved to a second connection on a Worker
 *                (bench/inbox-floor-server.ts; MOVER=sql for its cheapest move), the ceiling of a split ingest
 *   raw floor    RAW=1: the storage floor read by a minimal HTTP/1.1 reader on Bun.listen
 *                (bench/raw-floor-server.ts): Bun.serve's share of the floor
 *   threaded ×N  THREADED=1,2 (none by default): the floor with its HTTP on N worker threads
 *                (bench/threaded-floor-server.ts), whether a second core can carry the main thread's work
 * Reported per server: median req/s, × floor (same round) and server CPU µs per request.
 * Every server keeps its database to the end (~1 M events, ~1.5 GB each at 40k req/s).
 */
import { rmSync } from 'node:fs'
import type { Subprocess } from 'bun'
import { SOURCE_SPECS, signedHeaders } from './lib/configs'
import { startHookstream } from './lib/hookstream'
import { cpuSeconds, INGEST_BODY as body, median, startContractFloor, startFloor, startInboxFloor, startRawFloor, startThreadedFloor, wrk } from './lib/tools'

const ROUNDS = Number(process.env.ROUNDS ?? 4)
const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 6)
const PIECES = (process.env.PIECES ?? 'ip,request-id,log,list-indexes,schema').split(',').filter(Boolean)
const THREADED = (process.env.THREADED ?? '').split(',').filter(Boolean).map(Number)

type Server = { name: string; url: string; proc: Subprocess; dir: string }
const servers: Server[] = []
try {
	const floor = await startFloor()
	servers.push({ name: 'floor', ...floor })
	if (process.env.RAW === '1') servers.push({ name: 'raw floor', ...(await startRawFloor()) })
	for (const workers of THREADED) servers.push({ name: `threaded floor ×${workers}`, ...(await startThreadedFloor(workers)) })
	const variant = (piece: string): [string, string[]] => {
		const options = piece.split('+')
		return [`contract ${options.map((o) => (o === 'checkpointer' ? '+checkpointer' : `-${o}`)).join(' ')}`, options]
	}
	for (const [name, options] of [['contract', []], ['contract +checkpointer', ['checkpointer']], ...PIECES.map(variant)] as [string, string[]][]) {
		servers.push({ name, ...(await startContractFloor(options)) })
	}
	if (process.env.INBOX === '1') servers.push({ name: 'inbox floor', ...(await startInboxFloor()) })
	const hs = await startHookstream([])
	const { source } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', SOURCE_SPECS.a)
	servers.push({ name: '(a) hookstream', url: `${hs.base}/v1/ingest/${source.id}`, proc: hs.proc, dir: hs.dataDir })
	await measure()
} finally {
	for (const s of servers) s.proc.kill('SIGTERM')
	await Promise.all(servers.map((s) => s.proc.exited))
	for (const s of servers) rmSync(s.dir, { recursive: true, force: true })
}

async function measure(): Promise<void> {
	const load = (url: string, seconds: number) => wrk(url, { body, headers: signedHeaders('a'), connections: 32, seconds, threads: 1 })
	for (const s of servers) await load(s.url, 2) // warm-up
	const rows = new Map<string, { rps: number; ratio: number; cpu: number }[]>(servers.map((s) => [s.name, []]))
	for (let round = 0; round < ROUNDS; round++) {
		// Rotated each round, so no server always follows the same one.
		const order = servers.map((_, i) => servers[(i + round) % servers.length] as Server)
		const got = new Map<string, { rps: number; cpu: number }>()
		for (const s of order) {
			const cpu0 = cpuSeconds(s.proc.pid)
			const r = await load(s.url, SECONDS)
			if (r.non2xx + r.errors > 0) throw new Error(`${s.name}: ${r.non2xx} non-2xx, ${r.errors} socket errors`)
			got.set(s.name, { rps: r.rps, cpu: ((cpuSeconds(s.proc.pid) - cpu0) * 1e6) / r.requests })
			if (s.name === 'inbox floor') console.error(`inbox floor after its run: ${await (await fetch(s.url)).text()}`)
		}
		const floorRps = got.get('floor')?.rps ?? Number.NaN
		for (const [name, g] of got) rows.get(name)?.push({ ...g, ratio: g.rps / floorRps })
		console.error(`round ${round + 1}: ${[...got].map(([n, g]) => `${n} ${g.rps.toFixed(0)}/s ${g.cpu.toFixed(1)} µs`).join(', ')}`)
	}
	console.log(`\nIngest against the storage floor and the contract floor, wrk -t1 -c32, ${SECONDS} s × ${ROUNDS} rotated rounds, 1 KB body\n`)
	console.log('| server | req/s (median) | × floor (same round) | server CPU µs/request |\n|---|---|---|---|')
	for (const [name, rs] of rows) console.log(`| ${name} | ${median(rs.map((r) => r.rps)).toFixed(0)} | ${median(rs.map((r) => r.ratio)).toFixed(3)} | ${median(rs.map((r) => r.cpu)).toFixed(1)} |`)
}
