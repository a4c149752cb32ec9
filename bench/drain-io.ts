/**
 * What a delivery writes: the drain of a pre-filled queue (as bench:delivery) by two or more
 * builds, alternated, reporting per delivery the server's CPU µs and the bytes it sends to
 * storage — on SQLite the server's write_bytes from /proc (WAL appends and the checkpoints
 * that copy them into the database), on PostgreSQL (`--pg`, a private cluster) the WAL bytes
 * between two pg_current_wal_lsn(), and the cluster's CPU beside the server's. Bytes per delivery barely move with the load of a shared
 * machine, where rates swing by ±30 %.
 *   BINS=/tmp/before,dist/hookstream ROUNDS=4 bun bench/drain-io.ts 64
 *   BINS=/tmp/before,dist/hookstream ROUNDS=3 DRAIN_EVENTS=10000 bun bench/drain-io.ts 64 --pg
 *   THREADS=1 bun bench/drain-io.ts 8            (also the CPU per delivery of each server thread)
 *   PERF=1 bun bench/drain-io.ts 64              (also each build's CPU per delivery by thread and kernel entry, from `perf`: bench/lib/perf.ts)
 *   PERF=1 JS_FRAMES=1 bun bench/drain-io.ts 8   (and its main thread by JavaScript function, from the server's JIT dump)
 * Each server first drains WARM_EVENTS (20,000 by default; 0 for a cold server) to another
 * destination, uncounted, so that the measured drain runs compiled code, as a server that has
 * been up for a while does (a first drain spends ~6 µs per delivery on the JIT's threads).
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { drained, queuedDrain, resumeDestination, SUCCESSES, type Successes, startHookstream, successesIn } from './lib/hookstream'
import { ensurePerf, framesTable, jitDumpFolder, recordProcess, splitTable } from './lib/perf'
import { startBenchPostgres } from './lib/postgres'
import { arrived, cpuUs, median, resetReceiver, ROOT, startReceiver, tempDir, threadCpuUs, threadCpuUsSince } from './lib/tools'

const BINS = (process.env.BINS ?? join(ROOT, 'dist', 'hookstream')).split(',')
const N = Number(process.env.DRAIN_EVENTS ?? 20_000)
const ROUNDS = Number(process.env.ROUNDS ?? 4)
const WARM = Number(process.env.WARM_EVENTS ?? 20_000)
const DRAIN_TIMEOUT_MS = 300_000
const inFlight = Number(process.argv[2] ?? 64)
const onPg = process.argv.includes('--pg')
const KEY = Buffer.alloc(32, 9).toString('base64')
/** THREADS=1: also print each round's server CPU per delivery by thread (the JS thread, the HTTP client, the JIT, the checkpointer…). */
const BY_THREAD = process.env.THREADS === '1'
/** PERF=1: sample the server with perf through each timed drain (the server's CPU only, not PostgreSQL's). */
const perf = process.env.PERF === '1' ? ensurePerf() : null
/**
 * JS_FRAMES=1 (with PERF=1): the server writes its JIT dump, and the main thread is also shared out by
 * JavaScript function. Writing the dump costs the server a little (its rates and CPU are then not comparable).
 */
const JS_FRAMES = perf !== null && process.env.JS_FRAMES === '1'

const pg = onPg ? await startBenchPostgres() : null
const { proc: receiver, url: rxUrl } = await startReceiver()

/** CPU µs of a PostgreSQL cluster: the postmaster with its reaped children, and its live backends and workers. */
function clusterCpuUs(postmaster: number): number {
	const fields = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
	const own = fields(postmaster)
	let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
	for (const child of readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
		try {
			const f = fields(Number(child))
			ticks += Number(f[11]) + Number(f[12])
		} catch {
			// exited meanwhile: its time is in the postmaster's reaped-children total
		}
	}
	return ticks * (1_000_000 / 100)
}

const writeBytes = (pid: number) => Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? Number.NaN)

/** One PostgreSQL statement on its own connection. */
async function pgOne<T>(url: string, text: string, params: unknown[] = []): Promise<T> {
	const sql = new Bun.SQL({ url, max: 1 })
	try {
		return (await sql.unsafe(text, params))[0] as T
	} finally {
		await sql.close()
	}
}

/** Successful attempts committed so far to one destination, and when the last one finished. */
async function committed(dir: string, dbUrl: string | null, destinationId: string): Promise<Successes> {
	if (!dbUrl) return successesIn(dir, destinationId)
	const r = await pgOne<{ n: string; last: string }>(dbUrl, SUCCESSES, [destinationId])
	return { n: Number(r.n), last: Number(r.last) }
}

let made = 0
async function drain(bin: string) {
	const dir = tempDir('hs-bench-io-')
	const dbUrl = pg ? await pg.createDatabase(`drain_io_${++made}`) : null
	const storage = dbUrl ? ['--database-url', dbUrl, '--encryption-key', KEY] : []
	const flags = ['--allow-private-destinations', '--no-access-log', ...(inFlight === 8 ? [] : ['--destination-concurrency', String(inFlight), '--delivery-concurrency', String(inFlight)])]
	const jit = JS_FRAMES ? jitDumpFolder() : null
	const hs = await startHookstream(flags, { dataDir: dir, storage, bin, env: jit?.env ?? {} })
	const { proc } = hs
	let recording: Awaited<ReturnType<typeof recordProcess>> | null = null
	try {
		if (WARM > 0) {
			// The same shape as the timed drain: a full queue, then resumed.
			const warm = await queuedDrain(hs, 'warm', rxUrl, WARM)
			await resetReceiver(rxUrl)
			await resumeDestination(hs, warm)
			await arrived(rxUrl, WARM, DRAIN_TIMEOUT_MS)
			await drained(() => committed(dir, dbUrl, warm), WARM, DRAIN_TIMEOUT_MS)
		}
		const destinationId = await queuedDrain(hs, 'io', rxUrl, N)
		await resetReceiver(rxUrl)
		const lsn = async () => (dbUrl ? (await pgOne<{ l: string }>(dbUrl, 'SELECT pg_current_wal_lsn()::text AS l')).l : '')
		const postmaster = dbUrl ? Number(readFileSync(join((await pgOne<{ d: string }>(dbUrl, "SELECT current_setting('data_directory') AS d")).d, 'postmaster.pid'), 'utf8').split('\n')[0]) : 0
		const pgCpu = () => (postmaster ? clusterCpuUs(postmaster) : 0)
		const [cpu0, pgCpu0, bytes0, lsn0] = [cpuUs(proc.pid), pgCpu(), writeBytes(proc.pid), await lsn()]
		const threads0 = BY_THREAD ? threadCpuUs(proc.pid) : null
		recording = perf ? await recordProcess(perf, proc.pid) : null
		const started = Date.now()
		await resumeDestination(hs, destinationId)
		// The receiver's count first: the database is read once the drain is over, not beside it.
		await arrived(rxUrl, N, DRAIN_TIMEOUT_MS)
		const done = await drained(() => committed(dir, dbUrl, destinationId), N, DRAIN_TIMEOUT_MS)
		const cpu = (cpuUs(proc.pid) - cpu0) / done.n
		const threads = threads0 ? threadCpuUsSince(proc.pid, threads0, done.n) : []
		const dbCpu = (pgCpu() - pgCpu0) / done.n
		const bytes = dbUrl
			? Number((await pgOne<{ d: string }>(dbUrl, 'SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint AS d', [await lsn(), lsn0])).d)
			: writeBytes(proc.pid) - bytes0
		// Read last: reading the samples (and the JIT dumps) takes a while, while the server still writes.
		const shares = recording ? await recording.stop(cpu, { jitDumpDir: jit?.dir }) : null
		return { bin, perSecond: done.n / ((done.last - started) / 1000), cpu, dbCpu, bytes: bytes / done.n, threads, split: shares?.split ?? null, jsFrames: shares?.jsFrames ?? null }
	} finally {
		await recording?.cancel()
		proc.kill()
		await proc.exited
		rmSync(dir, { recursive: true, force: true })
		jit?.remove()
	}
}

const rows: Awaited<ReturnType<typeof drain>>[] = []
try {
	for (let r = 0; r < ROUNDS; r++) {
		// Alternate which build goes first, so neither always runs on a warmer (or busier) machine.
		for (const bin of r % 2 === 0 ? BINS : [...BINS].reverse()) {
			const x = await drain(bin)
			rows.push(x)
			console.error(`round ${r + 1} ${bin}: ${x.perSecond.toFixed(0)}/s, ${x.cpu.toFixed(0)} µs CPU${pg ? ` (+ PostgreSQL ${x.dbCpu.toFixed(0)})` : ''}, ${x.bytes.toFixed(0)} B written per delivery${x.threads.length ? `; by thread: ${x.threads.map(([name, us]) => `${name} ${us.toFixed(1)}`).join(', ')} µs` : ''}`)
		}
	}
} finally {
	receiver.kill()
	await pg?.stop()
}

console.log(`\nDrain of ${N} events, ${inFlight} in flight, ${onPg ? 'PostgreSQL (WAL bytes)' : 'SQLite (write_bytes)'}, medians of ${ROUNDS} rounds\n`)
console.log('| build | drain /s | server CPU µs/delivery | PostgreSQL CPU µs/delivery | bytes written/delivery |')
console.log('|---|---|---|---|---|')
for (const bin of BINS) {
	const mine = rows.filter((x) => x.bin === bin)
	console.log(`| ${bin} | ${median(mine.map((x) => x.perSecond)).toFixed(0)} | ${median(mine.map((x) => x.cpu)).toFixed(0)} | ${pg ? median(mine.map((x) => x.dbCpu)).toFixed(0) : '—'} | ${median(mine.map((x) => x.bytes)).toFixed(0)} |`)
}
if (perf) {
	// Each bucket's mean over the build's rounds.
	const means = (of: (x: (typeof rows)[number]) => Map<string, number> | null) => {
		const byBin = new Map<string, Map<string, number>>()
		for (const bin of BINS) {
			const mine = rows.filter((x) => x.bin === bin)
			const sum = new Map<string, number>()
			for (const x of mine) for (const [k, us] of of(x) ?? []) sum.set(k, (sum.get(k) ?? 0) + us)
			byBin.set(bin, new Map([...sum].map(([k, us]) => [k, us / mine.length])))
		}
		return byBin
	}
	console.log(`\nServer CPU µs per delivery by thread and kernel entry (perf through each timed drain, means of ${ROUNDS} rounds)\n`)
	console.log(splitTable(means((x) => x.split)))
	if (JS_FRAMES) {
		console.log(`\nServer main thread, µs per delivery by the nearest JavaScript function on the stack (with the native work below it; means of ${ROUNDS} rounds)\n`)
		console.log(framesTable(means((x) => x.jsFrames)))
	}
}
