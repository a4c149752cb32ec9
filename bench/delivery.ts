/**
 * Delivery against its floor, in one run. `bun run bench:delivery`.
 *   1. drain: a destination is paused, DRAIN_EVENTS events are ingested (queued, nothing sent),
 *      then the destination is resumed and timed from the resume request to the last successful
 *      attempt's `created_at` (its answer; read from the database once every attempt is committed,
 *      so the last commit itself is not timed). Ingest does not share the cores during the drain.
 *   2. send floor (bench/send-floor.ts, its own process): a bare keep-alive loop POSTing the same
 *      1 KB body to the same receiver with the same number of requests in flight, with fetch (the
 *      floor the targets are stated against), and the same loop through hookstream's own HTTP/1.1
 *      client (the "pool floor": the least the client hookstream sends with can spend); and the
 *      "contract floor" (bench/delivery-contract-floor.ts): the pool floor plus the storage work the
 *      contract and the schema need per delivery (the repo's claim, payload read and attempt record,
 *      group-committed; warmed by WARM_EVENTS as hookstream is; timed to its last commit), and nothing of
 *      hookstream's worker. All are measured next to each drain, in an order that reverses every
 *      round; the drain is reported as a ratio to each.
 *   Both at 64 in flight (`--destination-concurrency 64 --delivery-concurrency 64`) and at the
 *   default 8, alternated for ROUNDS rounds; each drain is reported as a ratio to its floor.
 *   3. latency: a paced sender at 1,000 events/s for 10 s; ingest→receiver p50/p99.
 *   Each server first drains WARM_EVENTS (20,000; 0 for none) uncounted, as the floor first sends a
 *   warm-up: a server that has run for a while has its delivery code compiled, and a first drain
 *   spends ~6 µs per delivery on the JIT compiler's threads. Those cold drains are printed too.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Hookstream, queuedDrain, resumeDestination, sourceTo, startHookstream, successesIn } from './lib/hookstream'
import { cpuUs, freePort, median, ROOT, rssMiB, startServer } from './lib/tools'

const DRAIN = Number(process.env.DRAIN_EVENTS ?? 20_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const WARM = Number(process.env.WARM_EVENTS ?? 20_000)
const rxPort = await freePort()
const rxUrl = `http://127.0.0.1:${rxPort}`
const receiver = await startServer([process.execPath, join(ROOT, 'bench', 'receiver-server.ts'), String(rxPort)], `${rxUrl}/stats`)
const common = ['--allow-private-destinations', '--no-access-log']
const instances: Record<number, Hookstream> = {
	64: await startHookstream([...common, '--destination-concurrency', '64', '--delivery-concurrency', '64']),
	8: await startHookstream(common)
}

type Stats = { count: number; unique: number; duplicates: number; p50: number | null; p99: number | null; first_at: number; last_at: number }
const stats = async () => (await (await fetch(`${rxUrl}/stats`)).json()) as Stats
const reset = () => fetch(`${rxUrl}/reset`, { method: 'POST' })

async function arrived(expected: number, timeoutMs = 300_000): Promise<Stats> {
	const started = Date.now()
	for (;;) {
		const s = await stats()
		if (s.count >= expected) return s
		if (Date.now() - started > timeoutMs) throw new Error(`only ${s.count} of ${expected} deliveries arrived`)
		await Bun.sleep(50)
	}
}

/** Successful attempts committed for a destination, and when the last one finished; gives up waiting after ~5 s. */
async function committed(hs: Hookstream, destinationId: string, expected: number): Promise<{ count: number; lastAt: number }> {
	for (let i = 0; ; i++) {
		const { n, last } = successesIn(hs.dataDir, destinationId)
		if (n >= expected || i > 100) return { count: n, lastAt: last }
		await Bun.sleep(50)
	}
}

let drains = 0
async function drain(inFlight: number, events = DRAIN) {
	const hs = instances[inFlight] as Hookstream
	const destinationId = await queuedDrain(hs, `drain-${inFlight}-${++drains}`, rxUrl, events)
	await reset()
	const cpu = cpuUs(hs.proc.pid)
	const started = Date.now()
	await resumeDestination(hs, destinationId)
	const s = await arrived(events)
	const done = await committed(hs, destinationId, events)
	const seconds = (done.lastAt - started) / 1000
	const cpuPerDelivery = (cpuUs(hs.proc.pid) - cpu) / done.count
	return { inFlight, perSecond: done.count / seconds, seconds, cpuPerDelivery, recorded: done.count, duplicates: s.duplicates, rss: rssMiB(hs.proc.pid) }
}

async function floor(inFlight: number, client: 'fetch' | 'pool' | 'contract' = 'fetch') {
	await reset()
	const script = client === 'contract' ? ['delivery-contract-floor.ts', `${rxUrl}/floor`, String(DRAIN), String(inFlight)] : ['send-floor.ts', `${rxUrl}/floor`, String(DRAIN), String(inFlight), client]
	const proc = Bun.spawn([process.execPath, join(ROOT, 'bench', script[0] as string), ...script.slice(1)], { stdout: 'pipe', stderr: 'inherit' })
	const out = await new Response(proc.stdout).text()
	if ((await proc.exited) !== 0) throw new Error(`the ${client} floor failed`)
	const run = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { perSecond: number; cpuUsPerRequest: number; failures: number }
	if (run.failures > 0) throw new Error(`the ${client} floor had ${run.failures} answers that were not 2xx`)
	return run
}

async function paced(hs: Hookstream, rate: number, seconds: number) {
	await reset()
	const sourceId = await sourceTo(hs, `paced-${rate}`, rxUrl, 1)
	const url = `${hs.base}/v1/ingest/${sourceId}`
	const tickMs = 10
	const perTick = rate / (1000 / tickMs)
	const inflight: Promise<unknown>[] = []
	const start = performance.now()
	for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
		for (let i = 0; i < perTick; i++) {
			inflight.push(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"sent_at":${Date.now()},"pad":"${'x'.repeat(900)}"}` }).then((r) => r.arrayBuffer()))
		}
		const wait = start + (tick + 1) * tickMs - performance.now()
		if (wait > 0) await Bun.sleep(wait)
	}
	await Promise.all(inflight)
	const s = await arrived(rate * seconds)
	return { rate, seconds, p50: s.p50, p99: s.p99, delivered: s.count }
}

const cold: Awaited<ReturnType<typeof drain>>[] = []
if (ROUNDS > 0 && WARM > 0) {
	for (const inFlight of [64, 8]) {
		const d = await drain(inFlight, WARM)
		cold.push(d)
		console.error(`warm-up drain, ${inFlight} in flight (cold server, not counted): ${d.perSecond.toFixed(0)}/s, ${d.cpuPerDelivery.toFixed(0)} µs CPU each`)
	}
}

const targets: Record<number, number> = { 64: 0.5, 8: 0.7 }
const rows: {
	inFlight: number; round: number; floor: number; drain: number; ratio: number; floorCpu: number; drainCpu: number; poolFloor: number; poolRatio: number
	contract: number; contractCpu: number; recorded: number; duplicates: number; rss: number
}[] = []
for (let r = 1; r <= ROUNDS; r++) {
	for (const inFlight of [64, 8]) {
		// The order reverses every round, so none always runs on a warmer (or busier) machine.
		const order = ['fetch', 'drain', 'pool', 'contract'] as const
		const ran = new Map<string, Awaited<ReturnType<typeof floor>>>()
		let d: Awaited<ReturnType<typeof drain>> | null = null
		for (const step of r % 2 === 1 ? order : [...order].reverse()) {
			if (step === 'drain') d = await drain(inFlight)
			else ran.set(step, await floor(inFlight, step))
		}
		const [fl, pool, contract] = [ran.get('fetch'), ran.get('pool'), ran.get('contract')]
		if (!d || !fl || !pool || !contract) throw new Error('a round missed a step')
		rows.push({
			inFlight, round: r, floor: fl.perSecond, drain: d.perSecond, ratio: d.perSecond / fl.perSecond, floorCpu: fl.cpuUsPerRequest, drainCpu: d.cpuPerDelivery, poolFloor: pool.perSecond,
			poolRatio: d.perSecond / pool.perSecond, contract: contract.perSecond, contractCpu: contract.cpuUsPerRequest, recorded: d.recorded, duplicates: d.duplicates, rss: d.rss
		})
		console.error(
			`round ${r}, ${inFlight} in flight: floor ${fl.perSecond.toFixed(0)}/s (${fl.cpuUsPerRequest.toFixed(0)} µs CPU each), pool floor ${pool.perSecond.toFixed(0)}/s (${pool.cpuUsPerRequest.toFixed(0)} µs), contract floor ${contract.perSecond.toFixed(0)}/s (${contract.cpuUsPerRequest.toFixed(0)} µs), drain ${d.perSecond.toFixed(0)}/s (${d.cpuPerDelivery.toFixed(0)} µs CPU each), ${(d.perSecond / fl.perSecond).toFixed(2)}× (${(d.perSecond / pool.perSecond).toFixed(2)}× the pool floor, ${(d.perSecond / contract.perSecond).toFixed(2)}× the contract floor), ${d.recorded} recorded`
		)
	}
}
const lat = await paced(instances[8] as Hookstream, 1000, 10)

if (rows.length > 0) {
console.log(`\nDelivery: drain of ${DRAIN} queued events to one destination vs the send floor, compiled binary, receiver in its own process\n`)
console.log('| in flight | round | send floor /s | hookstream drain /s | ratio | floor CPU µs/request | hookstream CPU µs/delivery | pool floor /s | ratio to the pool floor | contract floor /s (CPU µs) | ratio to the contract floor | successful attempts recorded | duplicates | RSS after (MiB) |')
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const x of rows) {
	console.log(
		`| ${x.inFlight} | ${x.round} | ${x.floor.toFixed(0)} | ${x.drain.toFixed(0)} | ${x.ratio.toFixed(2)} | ${x.floorCpu.toFixed(0)} | ${x.drainCpu.toFixed(0)} | ${x.poolFloor.toFixed(0)} | ${x.poolRatio.toFixed(2)} | ${x.contract.toFixed(0)} (${x.contractCpu.toFixed(0)}) | ${(x.drain / x.contract).toFixed(2)} | ${x.recorded} | ${x.duplicates} | ${x.rss.toFixed(0)} |`
	)
}
console.log('\n| in flight | median floor /s | median drain /s | median ratio | median CPU µs floor / hookstream | target | met | median ratio to the pool floor | contract floor × send floor | drain × contract floor |')
console.log('|---|---|---|---|---|---|---|---|---|---|')
for (const inFlight of [64, 8]) {
	const mine = rows.filter((x) => x.inFlight === inFlight)
	const ratio = median(mine.map((x) => x.ratio))
	console.log(`| ${inFlight} | ${median(mine.map((x) => x.floor)).toFixed(0)} | ${median(mine.map((x) => x.drain)).toFixed(0)} | ${ratio.toFixed(2)} | ${median(mine.map((x) => x.floorCpu)).toFixed(0)} / ${median(mine.map((x) => x.drainCpu)).toFixed(0)} | ≥ ${targets[inFlight]} | ${ratio >= (targets[inFlight] ?? 1) ? 'yes' : 'no'} | ${median(mine.map((x) => x.poolRatio)).toFixed(2)} | ${median(mine.map((x) => x.contract / x.floor)).toFixed(2)} | ${median(mine.map((x) => x.drain / x.contract)).toFixed(2)} |`)
}
}
if (cold.length > 0) {
	console.log(`\nWarm-up drains of ${WARM} events on the cold servers (not counted above): ${cold.map((d) => `${d.inFlight} in flight ${d.perSecond.toFixed(0)}/s, ${d.cpuPerDelivery.toFixed(0)} µs CPU each`).join('; ')}`)
}
const latMet = lat.p50 !== null && lat.p99 !== null && lat.p50 <= 5 && lat.p99 <= 25
console.log(`\nLatency ingest→receiver at ${lat.rate} events/s for ${lat.seconds} s (default concurrency): p50 ${lat.p50} ms, p99 ${lat.p99} ms (target p50 ≤ 5 ms, p99 ≤ 25 ms: ${latMet ? 'met' : 'missed'}); ${lat.delivered} delivered`)

for (const hs of Object.values(instances)) hs.proc.kill('SIGTERM')
receiver.kill('SIGTERM')
await Promise.all([...Object.values(instances).map((hs) => hs.proc.exited), receiver.exited])
// Each server stored every drain's events and attempts (several hundred MB): leave no data dir behind.
for (const hs of Object.values(instances)) rmSync(hs.dataDir, { recursive: true, force: true })
