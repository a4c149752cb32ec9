/**
 * Whole-process CPU profiles with `perf` (bench/perf-split.ts, bench/drain-io.ts PERF=1): every
 * thread sampled with the software clock (no hardware counters needed), each sample put in a
 * bucket by its thread and by where it entered the kernel (the syscall, a page fault, an
 * interrupt) or user space. The binaries carry no symbols for Bun's, JavaScriptCore's or
 * SQLite's functions, so user space is one bucket per thread; `bun --cpu-prof` names the
 * JavaScript in it but sees neither the kernel nor the other threads.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
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

/** Samples per "<thread>\t<category>" from `perf script -F comm,tid,ip,sym,dso`: a header line per sample, its frames indented. */
function tally(script: string, mainPid: number): Map<string, number> {
	const counts = new Map<string, number>()
	let thread: string | null = null
	let frames: string[] = []
	const flush = () => {
		if (thread !== null) {
			const key = `${thread}\t${categoryOf(frames)}`
			counts.set(key, (counts.get(key) ?? 0) + 1)
		}
		thread = null
		frames = []
	}
	for (const line of script.split('\n')) {
		if (line.trim() === '') flush()
		else if (/^\s/.test(line)) frames.push(line.trim())
		else {
			flush()
			// "<comm> <tid>": a comm may hold spaces ("Bun Pool 0"); the tid is the last field.
			const fields = line.trim().split(/\s+/)
			const comm = fields.slice(0, -1).join(' ')
			thread = Number(fields.at(-1)) === mainPid ? THREADS[0] : comm === 'Worker' ? THREADS[1] : THREADS[2]
		}
	}
	flush()
	return counts
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
export async function recordProcess(perf: string, pid: number): Promise<{ stop(cpuUsPerUnit: number): Promise<Map<string, number>>; cancel(): Promise<void> }> {
	const dir = tempDir('hs-bench-perf-')
	const data = `${dir}/perf.data`
	// perf starts with its events off (-D -1) and turns them on when told through its control
	// fifo; its "ack" says it is sampling every thread, so the window starts at a known point.
	const [control, ack] = [`${dir}/control`, `${dir}/ack`]
	for (const fifo of [control, ack]) if (Bun.spawnSync(['mkfifo', fifo]).exitCode !== 0) throw new Error(`mkfifo ${fifo} failed`)
	const rec = Bun.spawn([perf, 'record', '-q', '-e', 'cpu-clock', '-F', '1999', '-g', '-p', String(pid), '-o', data, '-D', '-1', `--control=fifo:${control},${ack}`], {
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
		async stop(cpuUsPerUnit: number) {
			await end()
			const script = Bun.spawnSync([perf, 'script', '-i', data, '-F', 'comm,tid,ip,sym,dso'], { stdout: 'pipe', stderr: 'ignore' }).stdout.toString()
			rmSync(dir, { recursive: true, force: true })
			const counts = tally(script, pid)
			const total = [...counts.values()].reduce((a, b) => a + b, 0)
			if (total === 0) throw new Error('perf recorded no samples (kernel.perf_event_paranoid? run as root)')
			return new Map([...counts].map(([k, n]) => [k, (n / total) * cpuUsPerUnit]))
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
