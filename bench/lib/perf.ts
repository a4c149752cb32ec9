/**
 * Whole-process CPU profiles with `perf` (bench/perf-split.ts, bench/drain-io.ts PERF=1): every
 * thread sampled with the software clock (no hardware counters needed), each sample put in a
 * bucket by its thread and by where it entered the kernel (the syscall, a page fault, an
 * interrupt) or user space. The binaries carry no symbols for Bun's, JavaScriptCore's or
 * SQLite's functions, so user space is one bucket per thread; `bun --cpu-prof` names the
 * JavaScript in it but sees neither the kernel nor the other threads. A server started with a
 * jitDumpFolder's environment also writes JavaScriptCore's JIT dump, which names the compiled
 * JavaScript on perf's stacks: the main thread is then also shared out by the nearest JavaScript
 * function, with the native work (SQLite, Bun, the kernel) it called.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ensureDebianTool, tempDir } from './tools'

/** perf from Debian (linux-perf), installed on first use as wrk is. */
export const ensurePerf = (): string => ensureDebianTool('perf', 'linux-perf')

/** The main (JavaScript) thread; Bun Worker threads (hookstream runs one: the WAL checkpointer); the rest (GC helpers, the allocator, the JIT, Bun's pools). */
const THREADS = ['main thread', 'checkpoint thread', 'other threads'] as const

/**
 * Where a sample was taken: the outermost kernel entry on its stack (frames are listed innermost
 * first), so that what a syscall does on the way, such as the loopback's receive side run as a
 * softirq inside `sendto`, is that syscall's; an interrupt counts as one only when it came in over
 * user space. No kernel frame: user space.
 */
function categoryOf(frames: string[]): string {
	for (let i = frames.length - 1; i >= 0; i--) {
		const f = frames[i] as string
		const sys = /__x64_sys_(\w+)/.exec(f)
		if (sys) return sys[1] as string
		if (f.includes('exc_page_fault')) return 'page fault'
		if (/asm_common_interrupt|asm_sysvec_/.test(f)) return 'interrupt'
	}
	return frames[0]?.includes('kernel.kallsyms') ? 'kernel, other' : 'user space'
}

/** One sample of `perf script -F comm,tid,time,ip,sym,dso`: its thread, when (CLOCK_MONOTONIC ns), its frames innermost first. */
interface Sample {
	comm: string
	tid: number
	ns: number
	frames: string[]
}

/** The samples of a `perf script -F comm,tid,time,ip,sym,dso` text: a header line per sample, its frames indented. */
function samplesOf(script: string): Sample[] {
	const samples: Sample[] = []
	let current: Sample | null = null
	for (const line of script.split('\n')) {
		if (line.trim() === '') current = null
		else if (/^\s/.test(line)) current?.frames.push(line.trim())
		else {
			// "<comm> <tid> <seconds>.<µs>:": a comm may hold spaces ("Bun Pool 0").
			const fields = line.trim().split(/\s+/)
			current = { comm: fields.slice(0, -2).join(' '), tid: Number(fields.at(-2)), ns: Math.round(Number.parseFloat(fields.at(-1) ?? '') * 1e9), frames: [] }
			samples.push(current)
		}
	}
	return samples
}

/** Samples per "<thread>\t<category>". */
function tally(samples: Sample[], mainPid: number): Map<string, number> {
	const counts = new Map<string, number>()
	for (const { comm, tid, frames } of samples) {
		const thread = tid === mainPid ? THREADS[0] : comm === 'Worker' ? THREADS[1] : THREADS[2]
		const key = `${thread}\t${categoryOf(frames)}`
		counts.set(key, (counts.get(key) ?? 0) + 1)
	}
	return counts
}

/**
 * A folder for one server's JIT dumps: started with `env`, JavaScriptCore writes there the code it
 * compiles, which `stop(…, { jitDumpDir })` reads to name the JavaScript on perf's stacks
 * (CompiledCode). `remove()` once the server has exited (the dumps hold all compiled code: megabytes).
 */
export function jitDumpFolder(): { env: Record<string, string>; dir: string; remove(): void } {
	const dir = tempDir('hs-bench-jit-')
	return { env: { BUN_JSC_useJITDump: '1', BUN_JSC_jitDumpDirectory: dir }, dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A piece of compiled code: [start, end), when it was loaded (CLOCK_MONOTONIC, ns) and its name. */
interface CodeLoad {
	start: number
	end: number
	at: number
	name: string
}

/** The JIT_CODE_LOAD records of a JIT dump (perf's format) written by `pid`; [] for any other file. */
function codeLoads(path: string, pid: number): CodeLoad[] {
	const b = readFileSync(path)
	// Header: magic "JiTD" (u32 0x4A695444), version, its own size (u32 at 8), ELF machine, padding, pid (u32 at 20), ….
	if (b.length < 40 || b.readUInt32LE(0) !== 0x4a695444 || b.readUInt32LE(20) !== pid) return []
	const loads: CodeLoad[] = []
	// Records: id u32, size u32, timestamp u64 (JavaScriptCore's monotonic clock, ns), body. A load's body: pid u32,
	// tid u32, vma u64, code address u64, code size u64, code index u64, name (NUL-ended), code. User-space
	// addresses and the nanoseconds since boot fit a double exactly.
	for (let at = b.readUInt32LE(8); at + 56 <= b.length; ) {
		const [id, size] = [b.readUInt32LE(at), b.readUInt32LE(at + 4)]
		if (size < 16 || at + size > b.length) break
		if (id === 0) {
			const start = Number(b.readBigUInt64LE(at + 32))
			const name = b.toString('utf8', at + 56, b.indexOf(0, at + 56))
			loads.push({ start, end: start + Number(b.readBigUInt64LE(at + 40)), at: Number(b.readBigUInt64LE(at + 8)), name })
		}
		at += size
	}
	return loads
}

/**
 * `pid`'s compiled JavaScript by address, from the JIT dumps in `dir`. Code is freed and its memory
 * reused, so an address is named by the code loaded there last before the sample was taken, as
 * `perf inject --jit` does (which does not read JavaScriptCore's dump files: it expects jit-<pid>.dump).
 * Throws when no code was found (the server was not started with `jitDumpFolder().env`): every sample
 * would count as "(no JavaScript frame)".
 */
class CompiledCode {
	readonly #loads: CodeLoad[]
	readonly #longest: number

	constructor(pid: number, dir: string) {
		this.#loads = readdirSync(dir).flatMap((f) => codeLoads(join(dir, f), pid)).sort((x, y) => x.start - y.start)
		if (this.#loads.length === 0) throw new Error(`no JIT dump of process ${pid} in ${dir}`)
		// A reduce, not Math.max(...): a long run loads more pieces of code than a call takes arguments.
		this.#longest = this.#loads.reduce((m, l) => Math.max(m, l.end - l.start), 0)
	}

	/** The name of the code at `ip` at time `ns` (CLOCK_MONOTONIC), or null for an address no code was loaded at. */
	nameAt(ip: number, ns: number): string | null {
		const loads = this.#loads
		// The last load starting at or below ip; the ones that could cover it start within the longest piece's length below.
		let lo = 0
		let hi = loads.length
		while (lo < hi) {
			const mid = (lo + hi) >> 1
			if ((loads[mid] as CodeLoad).start <= ip) lo = mid + 1
			else hi = mid
		}
		let best: CodeLoad | null = null
		for (let i = lo - 1; i >= 0; i--) {
			const l = loads[i] as CodeLoad
			if (l.start < ip - this.#longest) break
			if (ip < l.end && l.at <= ns && (best === null || l.at > best.at)) best = l
		}
		return best?.name ?? null
	}
}

/**
 * Main-thread samples per nearest compiled JavaScript function ("name#hash", JavaScriptCore's
 * name and code-block hash, its tiers counted together), each with the native frames below it;
 * samples with no JavaScript on the stack (the event loop: epoll, sockets flushed between turns)
 * count as "(no JavaScript frame)". The samples are timed on CLOCK_MONOTONIC, JavaScriptCore's clock.
 */
function jsFrameTally(samples: Sample[], mainPid: number, code: CompiledCode): Map<string, number> {
	const counts = new Map<string, number>()
	for (const { tid, ns, frames } of samples) {
		if (tid !== mainPid) continue
		let js: string | undefined
		for (const frame of frames) {
			const name = code.nameAt(Number.parseInt(frame.split(/\s/)[0] ?? '', 16), ns)
			// Thunks, inline caches and regular expressions are glue or leaves: the function is further up.
			const fn = name === null ? null : /^JSC-(?:Baseline|DFG|FTL): (\S+)/.exec(name)
			if (fn) {
				js = fn[1]
				break
			}
		}
		const key = js ?? '(no JavaScript frame)'
		counts.set(key, (counts.get(key) ?? 0) + 1)
	}
	return counts
}

/** A profile's CPU per unit (request, delivery): by thread and kernel entry, and the main thread by JavaScript function when asked. */
export interface PerfShares {
	split: Map<string, number>
	jsFrames: Map<string, number> | null
}

/** Tells a `perf record -D -1 --control=fifo:…` to start sampling, and waits for its ack (the fifos block until perf opens them). */
function enableSampling(control: string, ack: string): void {
	const out = openSync(control, 'w')
	writeSync(out, 'enable\n')
	closeSync(out)
	const answer = openSync(ack, 'r')
	const buf = Buffer.alloc(16)
	const n = readSync(answer, buf)
	closeSync(answer)
	if (!buf.subarray(0, n).toString().startsWith('ack')) throw new Error(`perf answered ${JSON.stringify(buf.subarray(0, n).toString())} to enable`)
}

/**
 * Starts sampling `pid` (all its threads). `stop(cpuUsPerUnit)` ends it and shares out that
 * CPU per request (or per delivery) by sample counts: "<thread>\t<where>" → µs. Read the CPU
 * before starting and before stopping, so that both cover the samples' window. `cancel()` ends
 * it and removes its data; after `stop()` it does nothing, so a `finally` can always call it.
 */
export async function recordProcess(
	perf: string,
	pid: number
): Promise<{ stop(cpuUsPerUnit: number, opts?: { jitDumpDir?: string }): Promise<PerfShares>; cancel(): Promise<void> }> {
	const dir = tempDir('hs-bench-perf-')
	const data = `${dir}/perf.data`
	// perf starts with its events off (-D -1) and turns them on when told through its control
	// fifo; its "ack" says it is sampling every thread, so the window starts at a known point.
	const [control, ack] = [`${dir}/control`, `${dir}/ack`]
	for (const fifo of [control, ack]) if (Bun.spawnSync(['mkfifo', fifo]).exitCode !== 0) throw new Error(`mkfifo ${fifo} failed`)
	// On CLOCK_MONOTONIC, the clock of JavaScriptCore's JIT dump (CompiledCode).
	const rec = Bun.spawn([perf, 'record', '-q', '-e', 'cpu-clock', '-F', '1999', '-g', '-k', 'mono', '-p', String(pid), '-o', data, '-D', '-1', `--control=fifo:${control},${ack}`], {
		stdout: 'ignore',
		stderr: 'inherit'
	})
	enableSampling(control, ack)
	let ended = false
	const end = async () => {
		ended = true
		rec.kill('SIGINT')
		await rec.exited
	}
	return {
		async cancel() {
			if (ended) return
			await end()
			rmSync(dir, { recursive: true, force: true })
		},
		/** `jitDumpDir`: the server's jitDumpFolder, to share the main thread out by JavaScript function too. */
		async stop(cpuUsPerUnit: number, opts: { jitDumpDir?: string } = {}) {
			await end()
			try {
				const script = Bun.spawnSync([perf, 'script', '-i', data, '-F', 'comm,tid,time,ip,sym,dso'], { stdout: 'pipe', stderr: 'ignore' }).stdout.toString()
				const samples = samplesOf(script)
				if (samples.length === 0) throw new Error('perf recorded no samples (kernel.perf_event_paranoid? run as root)')
				const share = (m: Map<string, number>) => new Map([...m].map(([k, n]) => [k, (n / samples.length) * cpuUsPerUnit]))
				const counts = tally(samples, pid)
				const frames = opts.jitDumpDir ? jsFrameTally(samples, pid, new CompiledCode(pid, opts.jitDumpDir)) : null
				return { split: share(counts), jsFrames: frames ? share(frames) : null }
			} finally {
				rmSync(dir, { recursive: true, force: true })
			}
		}
	}
}

/**
 * A markdown table of splits side by side (columns in `splits`' order): each thread's total, then
 * its buckets of at least 0.1 µs in any column, largest first. `head` rows go first.
 */
export function splitTable(splits: Map<string, Map<string, number>>, head: [string, string[]][] = []): string {
	const names = [...splits.keys()]
	const largest = new Map<string, number>()
	for (const split of splits.values()) for (const [k, us] of split) largest.set(k, Math.max(largest.get(k) ?? 0, us))
	const cell = (us: number | undefined) => (us === undefined || us < 0.05 ? '—' : us.toFixed(2))
	const lines = [`| thread | where | ${names.join(' | ')} |`, `|---|---|${names.map(() => '---|').join('')}`]
	for (const [label, cells] of head) lines.push(`| all | ${label} | ${cells.join(' | ')} |`)
	for (const thread of THREADS) {
		const of = (name: string) => [...(splits.get(name) ?? [])].filter(([k]) => k.startsWith(`${thread}\t`))
		const sums = names.map((n) => of(n).reduce((a, [, us]) => a + us, 0))
		if (sums.every((s) => s < 0.05)) continue
		lines.push(`| ${thread} | **total** | ${sums.map(cell).join(' | ')} |`)
		const rows = [...largest].filter(([k, max]) => k.startsWith(`${thread}\t`) && max >= 0.1).sort(([, x], [, y]) => y - x)
		for (const [k] of rows) lines.push(`| | ${k.split('\t')[1]} | ${names.map((n) => cell(splits.get(n)?.get(k))).join(' | ')} |`)
	}
	return lines.join('\n')
}

/** A markdown table of `jsFrames` side by side: the functions of at least `minUs` in any column, largest first, and the rest summed. */
export function framesTable(frames: Map<string, Map<string, number>>, minUs = 0.2): string {
	const names = [...frames.keys()]
	const largest = new Map<string, number>()
	for (const f of frames.values()) for (const [k, us] of f) largest.set(k, Math.max(largest.get(k) ?? 0, us))
	const shown = [...largest].filter(([, us]) => us >= minUs).sort(([, x], [, y]) => y - x).map(([k]) => k)
	const lines = [`| function | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`]
	const total = (f: Map<string, number> | undefined) => [...(f ?? [])].reduce((a, [, us]) => a + us, 0)
	lines.push(`| **main thread** | ${names.map((n) => total(frames.get(n)).toFixed(2)).join(' | ')} |`)
	for (const k of shown) lines.push(`| ${k} | ${names.map((n) => (frames.get(n)?.get(k) ?? 0).toFixed(2)).join(' | ')} |`)
	const rest = (f: Map<string, number> | undefined) => [...(f ?? [])].filter(([k]) => !shown.includes(k)).reduce((a, [, us]) => a + us, 0)
	lines.push(`| (the rest) | ${names.map((n) => rest(frames.get(n)).toFixed(2)).join(' | ')} |`)
	return lines.join('\n')
}
