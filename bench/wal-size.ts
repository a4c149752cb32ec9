/**
 * The WAL under a long ingest load, for one or more builds: `bun bench/wal-size.ts <binary> [<binary> …]`.
 * Each build serves configuration (a) of bench:ingest on a fresh data dir while wrk -t1 -c32
 * posts the 1 KB body for SECONDS (60); every 100 ms the WAL file's size and its frame count
 * (from the wal-index, src/db/wal-state.ts) are sampled. Reported per build: req/s, p99, the
 * largest WAL file and frame count, WAL restarts per minute, and the server's CPU per request
 * split into its main thread (which ingests, claims and sends) and the whole process.
 */
import { existsSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { walStateReader } from '../src/db/wal-state'
import { startHookstream } from './lib/hookstream'
import { cpuSeconds, INGEST_BODY, tempDir, wrk } from './lib/tools'
import { mainThreadSeconds, walSequence } from './lib/wal'

const bins = process.argv.slice(2)
if (bins.length === 0) throw new Error('usage: bun bench/wal-size.ts <binary> [<binary> …]')
const SECONDS = Number(process.env.SECONDS ?? 60)
const body = INGEST_BODY
const json = { 'content-type': 'application/json' }

async function measure(bin: string) {
	const dir = tempDir('hs-bench-wal-')
	const hs = await startHookstream(['--no-access-log'], { bin, dataDir: dir })
	const { proc, base } = hs
	const { source } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'a', slug: 'bench-a' })
	const id = source.id
	const db = join(dir, 'hookstream.db')
	const wal = walStateReader(db)
	let largestFile = 0
	let largestFrames = 0
	const sampler = setInterval(() => {
		if (existsSync(`${db}-wal`)) largestFile = Math.max(largestFile, statSync(`${db}-wal`).size)
		largestFrames = Math.max(largestFrames, wal.read()?.mxFrame ?? 0)
	}, 100)
	const seq0 = walSequence(db)
	const [cpu0, main0] = [cpuSeconds(proc.pid), mainThreadSeconds(proc.pid)]
	const r = await wrk(`${base}/v1/ingest/${id}`, { body, headers: json, connections: 32, seconds: SECONDS, threads: 1 })
	const [cpu, main] = [cpuSeconds(proc.pid) - cpu0, mainThreadSeconds(proc.pid) - main0]
	const resets = walSequence(db) - seq0
	clearInterval(sampler)
	wal.close()
	proc.kill('SIGTERM')
	await proc.exited
	rmSync(dir, { recursive: true, force: true })
	return {
		build: bin, 'req/s': Math.round(r.rps), 'p99 ms': r.p99ms, 'largest WAL MiB': +(largestFile / 1048576).toFixed(1), 'largest WAL frames': largestFrames,
		'restarts/min': Math.round((resets * 60) / SECONDS), 'main thread µs/req': +((main * 1e6) / r.requests).toFixed(1), 'process µs/req': +((cpu * 1e6) / r.requests).toFixed(1)
	}
}

const rows = []
for (const bin of bins) {
	const row = await measure(bin)
	console.error(JSON.stringify(row))
	rows.push(row)
}
const cols = Object.keys(rows[0] ?? {})
console.log(`\nWAL over a ${SECONDS} s ingest load (wrk -t1 -c32, 1 KB body), sampled every 100 ms\n`)
console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => '---').join('|')}|`)
for (const row of rows) console.log(`| ${Object.values(row).join(' | ')} |`)
