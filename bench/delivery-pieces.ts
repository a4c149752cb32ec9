/**
 * What the delivery contract floor's pieces cost: the send floor (fetch), the pool floor, the
 * contract floor (bench/delivery-contract-floor.ts) and copies of it with a piece changed (PIECES:
 * comma-separated options of that script, several joined by `+` into one copy; by default
 * `attempt-indexes` left out and `storage`, the bare durable record), each in its own process
 * against the same receiver, rotated for ROUNDS rounds, each reported as a ratio to the send
 * floor of its round (the delivery targets' reference) and with its CPU µs per delivery.
 *   bun bench/delivery-pieces.ts 64        (or 8: requests in flight)
 *   PIECES=attempt-row,finish,attempt-keys+attempt-event-seq ROUNDS=4 bun bench/delivery-pieces.ts 8
 */
import { type FloorRun, median, resetReceiver, runFloor, startReceiver } from './lib/tools'

const inFlight = Number(process.argv[2] ?? 64)
const N = Number(process.env.DRAIN_EVENTS ?? 20_000)
const ROUNDS = Number(process.env.ROUNDS ?? 4)
const PIECES = (process.env.PIECES ?? 'attempt-indexes,storage').split(',').filter(Boolean)
const { proc: receiver, url: rxUrl } = await startReceiver()

/** One floor run against a freshly counted receiver. */
async function measure(floor: 'fetch' | 'pool' | 'contract', options: string[] = []): Promise<FloorRun> {
	await resetReceiver(rxUrl)
	return runFloor(floor, `${rxUrl}/floor`, N, inFlight, options)
}

/** How a piece reads in the table: most leave something out; two are redesigns. */
const pieceName = (piece: string): string =>
	({
		storage: 'bare record', 'attempt-keys': 'attempt lists on integer keys', 'attempt-event-seq': "attempts' event index on the event seq",
		'attempt-env-index': "without the attempts' environment index",
		'attempt-event-index': "without the attempts' event index", 'attempt-destination-index': "without the attempts' destination index"
	})[piece] ?? `without ${piece}`
const servers: { name: string; run: () => Promise<FloorRun> }[] = [
	{ name: 'send floor (fetch)', run: () => measure('fetch') },
	{ name: 'pool floor', run: () => measure('pool') },
	{ name: 'contract floor', run: () => measure('contract') },
	...PIECES.map((p) => ({
		name: p === 'storage' ? 'storage floor (pool + bare record)' : `contract floor, ${p.split('+').map(pieceName).join(', ')}`,
		run: () => measure('contract', p.split('+'))
	}))
]
const results = new Map<string, { ratio: number[]; rate: number[]; cpu: number[] }>(servers.map((s) => [s.name, { ratio: [], rate: [], cpu: [] }]))
for (let round = 0; round < ROUNDS; round++) {
	// Rotated, so no server always runs first (or last) in a round; the send floor of the round is the reference.
	const order = servers.map((_, i) => servers[(i + round) % servers.length] as (typeof servers)[number])
	const runs = new Map<string, FloorRun>()
	for (const s of order) runs.set(s.name, await s.run())
	const ref = runs.get('send floor (fetch)')?.perSecond ?? Number.NaN
	for (const [name, r] of runs) {
		const acc = results.get(name)
		acc?.ratio.push(r.perSecond / ref)
		acc?.rate.push(r.perSecond)
		acc?.cpu.push(r.cpuUsPerRequest)
	}
	console.error(`round ${round + 1}: ${[...runs].map(([n, r]) => `${n} ${r.perSecond.toFixed(0)}/s ${r.cpuUsPerRequest.toFixed(1)} µs`).join('; ')}`)
}
console.log(`\nDelivery pieces: ${N} deliveries, ${inFlight} in flight, ${ROUNDS} rotated rounds, medians\n`)
console.log('| server | × send floor | per second | CPU µs/delivery |')
console.log('|---|---|---|---|')
for (const [name, r] of results) console.log(`| ${name} | ${median(r.ratio).toFixed(3)} | ${median(r.rate).toFixed(0)} | ${median(r.cpu).toFixed(1)} |`)
receiver.kill('SIGTERM')
await receiver.exited
