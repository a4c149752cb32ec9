/**
 * Memory under sustained load: RSS idle, then sampled every 5 s during a 60 s
 * ingest + delivery load after a 10 s warm-up. Target: flat within ±10 %.
 * `bun run bench:memory`.
 */
import { startHookstream, sourceTo } from './lib/hookstream'
import { rssMiB, startReceiver, wrk } from './lib/tools'

const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 60)
const { proc: receiver, url: rxUrl } = await startReceiver()
const hs = await startHookstream(['--allow-private-destinations'])
await Bun.sleep(2000)
const idle = rssMiB(hs.proc.pid)
const sourceId = await sourceTo(hs, 'mem', rxUrl, 1)
const target = `${hs.base}/v1/ingest/${sourceId}`
const body = JSON.stringify({ type: 'bench', pad: 'x'.repeat(900) })
// Paced well under saturation so delivery keeps up and the queue does not grow: this
// measures leaks, not backlog. wrk -c4 sends about as fast as 4 clients can.
const load = (seconds: number) => wrk(target, { body, headers: { 'content-type': 'application/json' }, connections: 4, threads: 1, seconds })

await load(10) // warm-up
const samples: number[] = []
const sampler = setInterval(() => samples.push(rssMiB(hs.proc.pid)), 5000)
const run = await load(LOAD_SECONDS)
clearInterval(sampler)
samples.push(rssMiB(hs.proc.pid))

const mean = samples.reduce((a, b) => a + b, 0) / samples.length
const spread = Math.max(...samples.map((s) => Math.abs(s - mean) / mean))
console.log(`\nMemory (compiled binary, access log on, 1 connection to a local receiver)\n`)
console.log(`idle RSS: ${idle.toFixed(1)} MiB (target ≤ 80 MiB: ${idle <= 80 ? 'met' : 'missed'})`)
console.log(`load: ${run.rps.toFixed(0)} req/s for ${LOAD_SECONDS} s after a 10 s warm-up`)
console.log(`RSS every 5 s: ${samples.map((s) => s.toFixed(0)).join(', ')} MiB`)
console.log(`mean ${mean.toFixed(1)} MiB, largest deviation ${(spread * 100).toFixed(1)} % (target ±10 %: ${spread <= 0.1 ? 'met' : 'missed'})`)

hs.proc.kill('SIGTERM')
receiver.kill('SIGTERM')
await Promise.all([hs.proc.exited, receiver.exited])
