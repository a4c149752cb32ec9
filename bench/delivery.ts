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
 *   default 8, alternated for ROUNDS rounds (6 by default: the issue's targets are medians over at
 *   least 4 alternating rounds); each drain is reported as a ratio to its floor.
 *   3. latency: a paced sender at 1,000 events/s for 10 s; ingest→receiver p50/p99.
 *   Each server first drains WARM_EVENTS (20,000; 0 for none) uncounted, as the floor first sends a
 *   warm-up: a server that has run for a while has its delivery code compiled, and a first drain
 *   spends ~6 µs per delivery on the JIT compiler's threads. Those cold drains are printed too.
 */
import { rmSync } from 'node:fs'
import { drained, type Hookstream, queuedDrain, resumeDestination, sourceTo, startHookstream, successesIn } from './lib/hookstream'
import { arrived, cpuUs, type FloorRun, median, resetReceiver, rssMiB, runFloor, startReceiver } from './lib/tools'

const DRAIN = Number(process.env.DRAIN_EVENTS ?? 20_000)
const ROUNDS = Number(process.env.ROUNDS ?? 6)
const WARM = Number(process.env.WARM_EVENTS ?? 20_000)
const { proc: receiver, url: rxUrl } = await startReceiver()
const common = ['--allow-private-destinations', '--no-access-log']
const instances: Record<number, Hookstream> = {
	64: await startHookstream([...common, '--destination-concurrency', '64', '--delivery-concurrency', '64']),
	8: await startHookstream(common)
}

const reset = () => resetReceiver(rxUrl)

let drains = 0
async function drain(inFlight: number, events = DRAIN) {
	const hs = instances[inFlight] as Hookstream
	const destinationId = await queuedDrain(hs, `drain-${inFlight}-${++drains}`, rxUrl, events)
	await reset()
	const cpu = cpuUs(hs.proc.pid)
	const started = Date.now()
	await resumeDestination(hs, destinationId)
	const s = await arrived(rxUrl, events)
	const done = await drained(() => successesIn(hs.dataDir, destinationId), events)
	const seconds = (done.last - started) / 1000
	const cpuPerDelivery = (cpuUs(hs.proc.pid) - cpu) / done.n
	return { inFlight, perSecond: done.n / seconds, seconds, cpuPerDelivery, recorded: done.n, duplicates: s.duplicates, rss: rssMiB(hs.proc.pid) }
}

/** One floor run at `inFlight` against a freshly counted receiver. */
async function floor(inFlight: number, kind: 'fetch' | 'pool' | 'contract'): Promise<FloorRun> {
	await reset()
	return runFloor(kind, `${rxUrl}/floor`, DRAIN, inFlight)
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
	const s = await arrived(rxUrl, rate * seconds)
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
type Round = { inFlight: number; round: number; drain: Awaited<ReturnType<typeof drain>>; fetch: FloorRun; pool: FloorRun; contract: FloorRun }
const rows: Round[] = []
for (let r = 1; r <= ROUNDS; r++) {
	for (const inFlight of [64, 8]) {
		// The order reverses every round, so none always runs on a warmer (or busier) machine.
		const steps = ['fetch', 'drain', 'pool', 'contract'] as const
		const ran: Partial<Omit<Round, 'inFlight' | 'round'>> = {}
		for (const step of r % 2 === 1 ? steps : [...steps].reverse()) {
			if (step === 'drain') ran.drain = await drain(inFlight)
			else ran[step] = await floor(inFlight, step)
		}
		const x = { inFlight, round: r, ...ran } as Round
		rows.push(x)
		const { drain: d, fetch: fl, pool, contract } = x
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
/** The drain's rate over a floor's, of one round. */
const over = (x: Round, f: FloorRun) => x.drain.perSecond / f.perSecond
for (const x of rows) {
	const { drain: d, fetch: fl, pool, contract } = x
	console.log(
		`| ${x.inFlight} | ${x.round} | ${fl.perSecond.toFixed(0)} | ${d.perSecond.toFixed(0)} | ${over(x, fl).toFixed(2)} | ${fl.cpuUsPerRequest.toFixed(0)} | ${d.cpuPerDelivery.toFixed(0)} | ${pool.perSecond.toFixed(0)} | ${over(x, pool).toFixed(2)} | ${contract.perSecond.toFixed(0)} (${contract.cpuUsPerRequest.toFixed(0)}) | ${over(x, contract).toFixed(2)} | ${d.recorded} | ${d.duplicates} | ${d.rss.toFixed(0)} |`
	)
}
console.log('\n| in flight | median floor /s | median drain /s | median ratio | median CPU µs floor / hookstream | target | met | median ratio to the pool floor | contract floor × send floor | drain × contract floor |')
console.log('|---|---|---|---|---|---|---|---|---|---|')
for (const inFlight of [64, 8]) {
	const mine = rows.filter((x) => x.inFlight === inFlight)
	const m = (f: (x: Round) => number) => median(mine.map(f))
	const ratio = m((x) => over(x, x.fetch))
	console.log(
		`| ${inFlight} | ${m((x) => x.fetch.perSecond).toFixed(0)} | ${m((x) => x.drain.perSecond).toFixed(0)} | ${ratio.toFixed(2)} | ${m((x) => x.fetch.cpuUsPerRequest).toFixed(0)} / ${m((x) => x.drain.cpuPerDelivery).toFixed(0)} | ≥ ${targets[inFlight]} | ${ratio >= (targets[inFlight] ?? 1) ? 'yes' : 'no'} | ${m((x) => over(x, x.pool)).toFixed(2)} | ${m((x) => x.contract.perSecond / x.fetch.perSecond).toFixed(2)} | ${m((x) => over(x, x.contract)).toFixed(2)} |`
	)
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
