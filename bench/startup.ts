/**
 * Startup benchmark for the compiled binary: file size, time from spawn to the
 * first 200 from /readyz, and resident memory once idle. Run: `bun run bench:startup`
 * (builds dist/hookstream first when missing). Each run uses a fresh data dir,
 * so the time includes creating the database and applying migrations.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')
const BIN = join(ROOT, 'dist', 'hookstream')
const RUNS = Number(process.env.RUNS ?? 15)

function rssMiB(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8')
	const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN)
	return kb / 1024
}

async function freePort(): Promise<number> {
	const server = Bun.serve({ port: 0, fetch: () => new Response() })
	const port = server.port ?? 0
	await server.stop(true)
	return port
}

async function once(warmDir: string | null): Promise<{ readyMs: number; rss: number }> {
	const dir = warmDir ?? mkdtempSync(join(tmpdir(), 'hs-bench-'))
	const port = await freePort()
	const started = performance.now()
	const proc = Bun.spawn([BIN, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dir, '--log-level', 'warn'], { stdout: 'ignore', stderr: 'inherit' })
	let readyMs = Number.NaN
	for (;;) {
		try {
			const res = await fetch(`http://127.0.0.1:${port}/readyz`)
			if (res.ok) {
				readyMs = performance.now() - started
				break
			}
		} catch {}
		if (performance.now() - started > 10000) throw new Error('not ready within 10 s')
		await Bun.sleep(1)
	}
	await Bun.sleep(2000) // let the runtime settle before reading idle memory
	const rss = rssMiB(proc.pid)
	proc.kill('SIGTERM')
	await proc.exited
	if (!warmDir) rmSync(dir, { recursive: true, force: true })
	return { readyMs, rss }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const max = (xs: number[]) => Math.max(...xs)

if (!existsSync(BIN)) {
	const build = Bun.spawnSync([process.execPath, 'run', 'build'], { cwd: ROOT, stdout: 'inherit', stderr: 'inherit' })
	if (build.exitCode !== 0) process.exit(1)
}

const cold: { readyMs: number; rss: number }[] = []
for (let i = 0; i < RUNS; i++) cold.push(await once(null))
const warmDir = mkdtempSync(join(tmpdir(), 'hs-bench-warm-'))
await once(warmDir)
const warm: { readyMs: number; rss: number }[] = []
for (let i = 0; i < RUNS; i++) warm.push(await once(warmDir))
rmSync(warmDir, { recursive: true, force: true })

const size = statSync(BIN).size / (1024 * 1024)
const row = (name: string, xs: { readyMs: number; rss: number }[]) =>
	`| ${name} | ${median(xs.map((x) => x.readyMs)).toFixed(1)} | ${max(xs.map((x) => x.readyMs)).toFixed(1)} | ${median(xs.map((x) => x.rss)).toFixed(1)} | ${max(xs.map((x) => x.rss)).toFixed(1)} |`
console.log(`binary: ${BIN}\nsize: ${size.toFixed(1)} MiB\nruns: ${RUNS} each\n`)
console.log('| start | ready median (ms) | ready max (ms) | idle RSS median (MiB) | idle RSS max (MiB) |')
console.log('|---|---|---|---|---|')
console.log(row('fresh data dir (creates DB, migrates)', cold))
console.log(row('existing data dir', warm))
