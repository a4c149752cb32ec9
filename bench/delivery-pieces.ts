/**
 * What the delivery contract floor's pieces cost: the send floor (fetch), the pool floor, the
 * contract floor (bench/delivery-contract-floor.ts) and copies of it with a piece changed (PIECES:
 * comma-separated options of that script, several joined by `+` into one copy; by default
 * `attempt-indexes` left out and `storage`, the bare durable record), each in its own process
 * against the same receiver, rotated for ROUNDS rounds, each reported as a ratio to the send
 * floor of its round (the delivery targets' reference) and with its CPU µs per delivery.
 *   bun bench/delivery-pieces.ts 64        (or 8: requests in flight)
 *   PIECES=attempt-row,lease+finish,attempt-keys ROUNDS=4 bun bench/delivery-pieces.ts 8
 */
import { join } from 'node:path'
import { freePort, median, ROOT, startServer } from './lib/tools'

const inFlight = Number(process.argv[2] ?? 64)
const N = Number(process.env.DRAIN_EVENTS ?? 20_000)
const ROUNDS = Number(process.env.ROUNDS ?? 4)
const PIECES = (process.env.PIECES ?? 'attempt-indexes,storage').split(',').filter(Boolean)
const rxPort = await freePort()
const rxUrl = `http://127.0.0.1:${rxPort}`
const receiver = await startServer([process.execPath, join(ROOT, 'bench', 'receiver-server.ts'), String(rxPort)], `${rxUrl}/stats`)

type Run = { perSecond: number; cpuUsPerRequest: number; failures: number }
async function measure(args: string[]): Promise<Run> {
	await fetch(`${rxUrl}/reset`, { method: 'POST' })
	const proc = Bun.spawn([process.execPath, ...args], { stdout: 'pipe', stderr: 'inherit' })
	const out = await new Response(proc.stdout).text()
	if ((await proc.exited) !== 0) throw new Error(`${args.join(' ')} failed`)
	const run = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Run
	if (run.failures > 0) throw new Error(`${args.join(' ')}: ${run.failures} answers were not 2xx`)
	return run
}

/** How a piece reads in the table: most leave something out; two are redesigns. */
const pieceName = (piece: string): string =>
	({ storage: 'bare record', 'attempt-keys': 'attempt lists on integer keys', 'attempt-id-index': 'no attempt id index' })[piece] ?? `without ${piece}`
const send = (client: string) => [join(ROOT, 'bench', 'send-floor.ts'), `${rxUrl}/floor`, String(N), String(inFlight), client]
const contract = (pieces: string[]) => [join(ROOT, 'bench', 'delivery-contract-floor.ts'), `${rxUrl}/floor`, String(N), String(inFlight), ...pieces]
const servers: { name: string; args: string[] }[] = [
	{ name: 'send floor (fetch)', args: send('fetch') },
	{ name: 'pool floor', args: send('pool') },
	{ name: 'contract floor', args: contract([]) },
	...PIECES.map((p) => ({ name: p === 'storage' ? 'storage floor (pool + bare record)' : `contract floor, ${p.split('+').map(pieceName).join(', ')}`, args: contract(p.split('+')) }))
]
const results = new Map<string, { ratio: number[]; rate: number[]; cpu: number[] }>(servers.map((s) => [s.name, { ratio: [], rate: [], cpu: [] }]))
for (let round = 0; round < ROUNDS; round++) {
	// Rotated, so no server always runs first (or last) in a round; the send floor of the round is the reference.
	const order = servers.map((_, i) => servers[(i + round) % servers.length] as (typeof servers)[number])
	const runs = new Map<string, Run>()
	for (const s of order) runs.set(s.name, await measure(s.args))
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
