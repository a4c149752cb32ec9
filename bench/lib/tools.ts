/** Shared plumbing for the benchmark scripts: load tool, processes, ports, the binary. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const ROOT = join(import.meta.dir, '..', '..')
/** The binary under test; BENCH_BIN (or HOOKSTREAM_BIN) points the scripts at another build (e.g. an earlier commit's). */
export const BIN = process.env.BENCH_BIN ?? process.env.HOOKSTREAM_BIN ?? join(ROOT, 'dist', 'hookstream')

/** A tool from Debian's package `pkg`, installed on first use (the machines reach Debian's mirrors). */
export function ensureDebianTool(bin: string, pkg: string): string {
	const found = Bun.which(bin)
	if (found) return found
	console.error(`installing ${bin} from Debian packages…`)
	const update = Bun.spawnSync(['apt-get', 'update', '-qq'], { stdout: 'ignore', stderr: 'inherit' })
	const install = Bun.spawnSync(['apt-get', 'install', '-y', '-qq', pkg], { stdout: 'ignore', stderr: 'inherit' })
	const path = Bun.which(bin)
	if (update.exitCode !== 0 || install.exitCode !== 0 || !path) throw new Error(`could not install ${bin} (apt-get install ${pkg})`)
	return path
}

export const ensureWrk = (): string => ensureDebianTool('wrk', 'wrk')

export function ensureBinary(): string {
	if (!existsSync(BIN)) {
		const build = Bun.spawnSync([process.execPath, 'run', 'build'], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
		if (build.exitCode !== 0) throw new Error('build failed')
	}
	return BIN
}

export async function freePort(): Promise<number> {
	const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
	const port = server.port ?? 0
	await server.stop(true)
	return port
}

export function tempDir(prefix: string): string {
	return mkdtempSync(join(tmpdir(), prefix))
}

/** CPU time (user + system, all threads) a process has used so far, in µs. */
export function cpuUs(pid: number): number {
	return cpuSeconds(pid) * 1e6
}

export function rssMiB(pid: number): number {
	const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN)
	return kb / 1024
}

/** CPU seconds (user + system) a process has used so far: all its threads, or one (`thread`, a task id). */
export function cpuSeconds(pid: number, thread?: number): number {
	const t = cpuTimes(pid, thread)
	return t.user + t.sys
}

/** User and system CPU seconds of a process (all its threads) or of one of its threads (`thread`, a task id). */
export function cpuTimes(pid: number, thread?: number): { user: number; sys: number } {
	// Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th, in ticks of 10 ms.
	const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8')
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
	return { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 }
}

/** Each live thread of a process with its CPU seconds; threads that exit between the listing and the read are skipped. */
export function eachThread(pid: number, f: (tid: number, times: { user: number; sys: number }) => void): void {
	for (const task of readdirSync(`/proc/${pid}/task`)) {
		let times: { user: number; sys: number }
		try {
			times = cpuTimes(pid, Number(task))
		} catch {
			continue // the thread exited meanwhile
		}
		f(Number(task), times)
	}
}

/**
 * CPU µs used so far by each thread of a process, summed by thread name (`/proc/<pid>/task/<tid>/comm`;
 * the main JS thread carries the process's name). Threads that exited meanwhile are not counted.
 */
export function threadCpuUs(pid: number): Map<string, number> {
	const byName = new Map<string, number>()
	eachThread(pid, (tid, t) => {
		try {
			const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
			byName.set(name, (byName.get(name) ?? 0) + (t.user + t.sys) * 1e6)
		} catch {
			// the thread exited after its times were read
		}
	})
	return byName
}

/** Each thread's CPU µs since `before` (a threadCpuUs reading) divided by `per`, the threads at 0.5 or more, largest first. */
export function threadCpuUsSince(pid: number, before: Map<string, number>, per: number): [string, number][] {
	return [...threadCpuUs(pid)]
		.map(([name, us]): [string, number] => [name, (us - (before.get(name) ?? 0)) / per])
		.filter(([, us]) => us >= 0.5)
		.sort((a, b) => b[1] - a[1])
}

/** The delivery benchmarks' receiver (bench/receiver-server.ts) on a free port: counts requests, duplicate ids and latency. */
export async function startReceiver() {
	const port = await freePort()
	const url = `http://127.0.0.1:${port}`
	return { proc: await startServer([process.execPath, join(ROOT, 'bench', 'receiver-server.ts'), String(port)], `${url}/stats`), url }
}

/** What the receiver's `GET /stats` says (bench/receiver-server.ts). */
export type ReceiverStats = { count: number; unique: number; duplicates: number; p50: number | null; p99: number | null; first_at: number; last_at: number }

export const receiverStats = async (rxUrl: string) => (await (await fetch(`${rxUrl}/stats`)).json()) as ReceiverStats

/** Zeroes the receiver's counts (`POST /reset`). */
export const resetReceiver = (rxUrl: string) => fetch(`${rxUrl}/reset`, { method: 'POST' })

/**
 * Waits until the receiver has counted `expected` requests since its last reset: a cheap poll beside a drain. Reading the
 * server's database instead, every 50 ms while it drains, took ~0.2 of a core from the 2 the drain shares (BENCHMARKS.md, Delivery, nineteenth session).
 */
export async function arrived(rxUrl: string, expected: number, timeoutMs = 300_000): Promise<ReceiverStats> {
	const started = Date.now()
	for (;;) {
		const s = await receiverStats(rxUrl)
		if (s.count >= expected) return s
		if (Date.now() - started > timeoutMs) throw new Error(`only ${s.count} of ${expected} deliveries arrived`)
		await Bun.sleep(50)
	}
}

/** What a delivery floor script prints as its last line (send-floor.ts, delivery-contract-floor.ts). */
export interface FloorRun {
	perSecond: number
	cpuUsPerRequest: number
	failures: number
}

/**
 * One run of a delivery floor in its own process, `n` requests to `url` with `inFlight` of them at a time:
 * the send floor with fetch or with hookstream's client (`pool`, send-floor.ts), or the contract floor
 * (delivery-contract-floor.ts, with its `options`). Refused when it failed or had answers that were not 2xx.
 */
export async function runFloor(floor: 'fetch' | 'pool' | 'contract', url: string, n: number, inFlight: number, options: string[] = []): Promise<FloorRun> {
	const args = floor === 'contract' ? ['delivery-contract-floor.ts', url, String(n), String(inFlight), ...options] : ['send-floor.ts', url, String(n), String(inFlight), floor]
	const proc = Bun.spawn([process.execPath, join(ROOT, 'bench', ...args.slice(0, 1)), ...args.slice(1)], { stdout: 'pipe', stderr: 'inherit' })
	const out = await new Response(proc.stdout).text()
	if ((await proc.exited) !== 0) throw new Error(`bench/${args.join(' ')} failed`)
	const run = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as FloorRun
	if (run.failures > 0) throw new Error(`bench/${args.join(' ')}: ${run.failures} answers were not 2xx`)
	return run
}

/** Spawns a server and waits until `url` answers. */
export async function startServer(cmd: string[], readyUrl: string, env: Record<string, string> = {}) {
	const proc = Bun.spawn(cmd, { stdout: 'ignore', stderr: 'inherit', env: { ...process.env, ...env } })
	const started = performance.now()
	for (;;) {
		try {
			if ((await fetch(readyUrl)).status < 500) break
		} catch {}
		if (performance.now() - started > 15000) throw new Error(`${cmd.join(' ')} not ready`)
		await Bun.sleep(10)
	}
	return proc
}

export interface WrkResult {
	requests: number
	rps: number
	p50ms: number
	p99ms: number
	non2xx: number
	errors: number
}

function toMs(value: string, unit: string): number {
	const n = Number(value)
	return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60000 : n
}

/**
 * Runs wrk with a POST body and headers; parses throughput, latency percentiles and failures.
 * `uniqueHeader`: that header gets a value no other request of any run has (a delivery id, for
 * dedup by header), built per request in wrk's Lua, which costs the load tool some CPU.
 */
export async function wrk(url: string, opts: { body: string; headers: Record<string, string>; connections: number; seconds: number; threads?: number; uniqueHeader?: string }): Promise<WrkResult> {
	const dir = tempDir('hs-wrk-')
	const script = join(dir, 'post.lua')
	const headerLines = Object.entries(opts.headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n')
	const unique = opts.uniqueHeader
		? // setup runs in wrk's main Lua state and numbers the threads; each thread counts its own requests.
			`local threads = 0\nfunction setup(thread)\n\tthreads = threads + 1\n\tthread:set("tid", threads)\nend\nlocal n = 0\nlocal run = ${JSON.stringify(`${Date.now()}-${Math.random().toString(36).slice(2)}`)}\nrequest = function()\n\tn = n + 1\n\twrk.headers[${JSON.stringify(opts.uniqueHeader)}] = run .. "-" .. tostring(tid) .. "-" .. n\n\treturn wrk.format()\nend\n`
		: ''
	writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(opts.body)}\n${headerLines}\n${unique}`)
	const proc = Bun.spawn([ensureWrk(), '-t', String(opts.threads ?? 2), '-c', String(opts.connections), '-d', `${opts.seconds}s`, '--latency', '-s', script, url], { stdout: 'pipe', stderr: 'inherit' })
	const out = await new Response(proc.stdout).text()
	await proc.exited
	const pct = (p: string) => {
		const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)`, 'm').exec(out)
		return m ? toMs(m[1] ?? '', m[2] ?? '') : Number.NaN
	}
	const errorsLine = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
	return {
		requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN),
		rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
		p50ms: pct('50'),
		p99ms: pct('99'),
		non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
		errors: errorsLine ? errorsLine.slice(1).reduce((a, b) => a + Number(b), 0) : 0
	}
}

/** The ~1 KB JSON body (a Stripe-shaped event) the ingest benchmarks post. */
export const INGEST_BODY = JSON.stringify({ id: 'evt_1NG8Du2eZvKYlo2CUI79vXWy', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_3NG8Du', amount: 2000, currency: 'usd', description: 'x'.repeat(851) } } })

/** A storing reference server (`bench/<script> <port> <data dir> [args…]`) on a fresh data dir: its process, ingest URL and dir. */
async function startStoringServer(script: string, dirPrefix: string, args: string[] = [], env: Record<string, string> = {}) {
	const [port, dir] = [await freePort(), tempDir(dirPrefix)]
	const proc = await startServer([process.execPath, join(ROOT, 'bench', script), String(port), dir, ...args], `http://127.0.0.1:${port}/`, env)
	return { proc, dir, url: `http://127.0.0.1:${port}/v1/ingest/x` }
}

/** The storage floor (bench/floor-server.ts) on a fresh data dir. */
export const startFloor = (env: Record<string, string> = {}) => startStoringServer('floor-server.ts', 'hs-bench-floor-', [], env)

/** The contract floor with the schema's work on a second thread (bench/inbox-floor-server.ts), on a fresh data dir. */
export const startInboxFloor = () => startStoringServer('inbox-floor-server.ts', 'hs-bench-inbox-')

/** The storage floor read by a minimal HTTP/1.1 reader on Bun.listen (bench/raw-floor-server.ts), on a fresh data dir. */
export const startRawFloor = () => startStoringServer('raw-floor-server.ts', 'hs-bench-raw-')

/** The storage floor with its HTTP on `workers` threads (bench/threaded-floor-server.ts) on a fresh data dir. */
export const startThreadedFloor = (workers: number) => startStoringServer('threaded-floor-server.ts', 'hs-bench-threaded-', [String(workers)])

/** Bare Bun (bench/baseline-server.ts): reads the body, stores nothing. */
export async function startBare() {
	const port = await freePort()
	const proc = await startServer([process.execPath, join(ROOT, 'bench', 'baseline-server.ts'), String(port)], `http://127.0.0.1:${port}/`)
	return { proc, url: `http://127.0.0.1:${port}/v1/ingest/x` }
}

/** The 1 KB JSON body the delivery benchmarks ingest, deliver and send (`sent_at` only where latency is measured). */
export const DELIVERY_BODY = JSON.stringify({ type: 'bench', pad: 'x'.repeat(1000) })

/**
 * A bare send loop: `total` POSTs of `body` to `url` with `concurrency` requests in
 * flight on keep-alive connections (Bun's fetch pools them), each response read in
 * full. Returns the wall time from the first send to the last answer and the non-2xx count.
 */
export async function sendLoop(url: string, opts: { total: number; concurrency: number; body: string; headers?: Record<string, string> }): Promise<{ seconds: number; failures: number }> {
	const headers = { 'content-type': 'application/json', ...opts.headers }
	return inLanes(opts.total, opts.concurrency, async () => {
		const res = await fetch(url, { method: 'POST', headers, body: opts.body })
		await res.arrayBuffer()
		return res.status
	})
}

/**
 * `total` sends by `send` (which returns the answer's status) with `concurrency` of them in
 * flight; the wall time from the first send to the last answer and the non-2xx count.
 */
export async function inLanes(total: number, concurrency: number, send: () => Promise<number>): Promise<{ seconds: number; failures: number }> {
	let next = 0
	let failures = 0
	const lane = async () => {
		while (next < total) {
			next++
			if ((await send()) >= 300) failures++
		}
	}
	const started = performance.now()
	await Promise.all(Array.from({ length: concurrency }, lane))
	return { seconds: (performance.now() - started) / 1000, failures }
}

/** The median; an even count averages the middle pair rather than picking the better run. */
export function median(xs: number[]): number {
	const sorted = [...xs].sort((x, y) => x - y)
	const mid = Math.floor(sorted.length / 2)
	return sorted.length % 2 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2
}

/** The contract floor (bench/contract-floor-server.ts) on a fresh data dir, with its options (pieces left out, `checkpointer`). */
export const startContractFloor = (options: string[] = [], env: Record<string, string> = {}) => startStoringServer('contract-floor-server.ts', 'hs-bench-contract-', options, env)
