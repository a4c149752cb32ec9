/**
 * Where a whole ingest server's CPU goes, kernel included: `bun bench/perf-split.ts [target…]`.
 * `bun --cpu-prof` sees only the JavaScript thread, and only while JavaScript or a native call
 * made from it runs; the kernel's share (the WAL's writes, the checkpoint thread's copies and
 * syncs, the network, page faults) and the other threads are invisible to it. This samples every
 * thread with `perf record -e cpu-clock -g` (software clock: no hardware counters needed) while
 * wrk -t1 -c32 posts the 1 KB body, and splits the samples by thread and by where the kernel was
 * entered (the syscall, a page fault, an interrupt), in µs per request: the process's CPU per
 * request from /proc, shared out by sample counts. User-space code is one bucket per thread: the
 * binaries have no symbols for Bun's, JavaScriptCore's or SQLite's functions.
 *
 * Targets (default `floor,contract,a`), each in its own process, one after the other:
 *   floor     the storage floor (bench/floor-server.ts)
 *   contract  the contract floor with hookstream's checkpoint thread (bench/contract-floor-server.ts checkpointer)
 *   contract-b, contract-c  the same with (b)'s and (c)'s verification (and (c)'s dedup): their like-for-like floors
 *   a b c d   hookstream (BIN, the compiled build) serving bench:ingest's configuration
 * SECONDS_PER_RUN (6) s of recording after a 5 s warm-up; ACCESS_LOG=1 keeps hookstream's access log on, and the contract floors' line with it;
 * JS_FRAMES=1 also shares each main thread out by JavaScript function (the servers write their JIT dumps).
 * Needs `perf` (Debian's linux-perf; installed on first use like wrk) and root or
 * kernel.perf_event_paranoid ≤ 1 for the kernel's frames. The split itself: bench/lib/perf.ts.
 */
import { rmSync } from 'node:fs'
import { CONTRACT_FLOORS, type IngestConfig, INGEST_CONFIGS, isContractFloor, SOURCE_SPECS, signedHeaders, wrkExtra } from './lib/configs'
import { startHookstream } from './lib/hookstream'
import { ensurePerf, framesTable, jitDumpFolder, type PerfShares, recordProcess, splitTable } from './lib/perf'
import { cpuUs, INGEST_BODY as body, startContractFloor, startFloor, wrk } from './lib/tools'

const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 6)
const TARGETS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['floor', 'contract', 'a']
const JS_FRAMES = process.env.JS_FRAMES === '1'
const KNOWN = ['floor', ...Object.keys(CONTRACT_FLOORS), ...INGEST_CONFIGS]
for (const t of TARGETS) if (!KNOWN.includes(t)) throw new Error(`unknown target ${t} (${KNOWN.join(', ')})`)

interface Target {
	pid: number
	url: string
	headers(): Record<string, string>
	extra: { uniqueHeader?: string }
	stop(): void
	/** The server's JIT dumps (JS_FRAMES=1). */
	jitDumpDir?: string
}

async function start(name: string): Promise<Target> {
	const jit = JS_FRAMES ? jitDumpFolder() : null
	const env = jit?.env ?? {}
	if (name === 'floor' || isContractFloor(name)) {
		const contract = isContractFloor(name) ? CONTRACT_FLOORS[name] : null
		// Its access-log line as hookstream's: off unless ACCESS_LOG=1.
		const s = contract ? await startContractFloor([...contract.options, ...(process.env.ACCESS_LOG === '1' ? [] : ['log'])], env) : await startFloor(env)
		const like = contract?.like ?? 'a'
		return { pid: s.proc.pid, url: s.url, headers: () => signedHeaders(like), extra: {}, stop: () => (s.proc.kill(), rmSync(s.dir, { recursive: true, force: true }), jit?.remove()), jitDumpDir: jit?.dir }
	}
	const config = name as IngestConfig
	const hs = await startHookstream(process.env.ACCESS_LOG === '1' ? [] : ['--no-access-log'], { env })
	const { source } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', SOURCE_SPECS[config])
	return {
		pid: hs.proc.pid,
		url: `${hs.base}/v1/ingest/${source.id}`,
		// Stripe's signatures carry a time: signed afresh for each run (300 s tolerance).
		headers: () => signedHeaders(config),
		extra: wrkExtra(config),
		stop: () => (hs.proc.kill(), rmSync(hs.dataDir, { recursive: true, force: true }), jit?.remove()),
		jitDumpDir: jit?.dir
	}
}

async function measure(name: string, perf: string): Promise<{ rps: number; cpuUs: number } & PerfShares> {
	const t = await start(name)
	let recording: Awaited<ReturnType<typeof recordProcess>> | null = null
	try {
		await wrk(t.url, { body, headers: t.headers(), connections: 32, seconds: 5, threads: 1, ...t.extra }) // warm-up
		// The CPU read around the whole recording (its attach included), as the samples are taken.
		const cpu0 = cpuUs(t.pid)
		recording = await recordProcess(perf, t.pid)
		const r = await wrk(t.url, { body, headers: t.headers(), connections: 32, seconds: SECONDS, threads: 1, ...t.extra })
		const perRequest = (cpuUs(t.pid) - cpu0) / r.requests
		const shares = await recording.stop(perRequest, { jitDumpDir: t.jitDumpDir })
		if (r.non2xx + r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} socket errors`)
		console.error(`${name}: ${r.rps.toFixed(0)} req/s, ${perRequest.toFixed(1)} µs/req`)
		return { rps: r.rps, cpuUs: perRequest, ...shares }
	} finally {
		await recording?.cancel()
		t.stop()
	}
}

const perf = ensurePerf()
const results = new Map<string, Awaited<ReturnType<typeof measure>>>()
for (const name of TARGETS) results.set(name, await measure(name, perf))
const all = [...results.values()]
console.log(`\nCPU µs per request by thread and kernel entry (perf, ${SECONDS} s of wrk -t1 -c32 each, access log ${process.env.ACCESS_LOG === '1' ? 'on' : 'off'})\n`)
console.log(splitTable(new Map([...results].map(([n, r]) => [n, r.split])), [['req/s', all.map((r) => r.rps.toFixed(0))], ['CPU µs/request', all.map((r) => r.cpuUs.toFixed(1))]]))
if (JS_FRAMES) {
	console.log('\nMain thread, µs per request by the nearest JavaScript function on the stack (with the native work below it)\n')
	console.log(framesTable(new Map([...results].map(([n, r]) => [n, r.jsFrames ?? new Map()]))))
}
process.exit(0)
