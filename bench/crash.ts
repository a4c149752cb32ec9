/**
 * Crash test: ingest and delivery under load while the server is killed with
 * SIGKILL at random moments (KILLS times) and restarted each time. At the end,
 * every event that was answered 200 must be stored and delivered at least once.
 * `bun run bench:crash`. Reports lost (must be 0) and duplicate deliveries.
 */
import { startHookstream, sourceTo } from './lib/hookstream'
import { receiverStats, startReceiver } from './lib/tools'

const KILLS = Number(process.env.KILLS ?? 6)
const SENDERS = 16
const { proc: receiver, url: rxUrl } = await startReceiver()
const hs = await startHookstream(['--allow-private-destinations', '--no-access-log'])
const sourceId = await sourceTo(hs, 'crash', rxUrl, 1)

const acknowledged: string[] = []
let sending = true
let refused = 0
const senders = Array.from({ length: SENDERS }, async (_, w) => {
	for (let i = 0; sending; i++) {
		try {
			const res = await fetch(`${hs.base}/v1/ingest/${sourceId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ w, i, pad: 'x'.repeat(512) }) })
			if (res.status === 200) acknowledged.push(((await res.json()) as { event_id: string }).event_id)
			else await res.arrayBuffer()
		} catch {
			refused++ // the server is down between a kill and its restart
			await Bun.sleep(5)
		}
	}
})

const kills: number[] = []
for (let k = 0; k < KILLS; k++) {
	const after = 500 + Math.floor(Math.random() * 1500)
	await Bun.sleep(after)
	hs.proc.kill('SIGKILL')
	await hs.proc.exited
	kills.push(acknowledged.length)
	await hs.restart()
}
await Bun.sleep(1000)
sending = false
await Promise.all(senders)

// Everything acknowledged must end up delivered.
const deadline = Date.now() + 120_000
let delivered = new Set<string>()
for (;;) {
	delivered = new Set(((await (await fetch(`${rxUrl}/ids`)).json()) as string[]).map((k) => k.split(' ')[0] ?? ''))
	if (acknowledged.every((id) => delivered.has(id)) || Date.now() > deadline) break
	await Bun.sleep(250)
}
const lost = acknowledged.filter((id) => !delivered.has(id))
const missingEvents: string[] = []
for (const id of lost.slice(0, 50)) {
	const res = await fetch(`${hs.base}/v1/events/${id}`, { headers: { 'x-api-key': hs.key } })
	if (res.status !== 200) missingEvents.push(id)
}
const stats = await receiverStats(rxUrl)

console.log(`\nCrash test: ${KILLS} × SIGKILL under ingest (${SENDERS} senders) + delivery load\n`)
console.log('| kills | events answered 200 | lost (not delivered) | not stored | deliveries | duplicate deliveries | requests refused while down |')
console.log('|---|---|---|---|---|---|---|')
console.log(`| ${KILLS} (after ${kills.join(', ')} acks) | ${acknowledged.length} | ${lost.length} | ${missingEvents.length} | ${stats.count} | ${stats.duplicates} | ${refused} |`)
console.log(lost.length === 0 ? '\n0 acknowledged events lost: target met' : `\nLOST ${lost.length} acknowledged events: target missed`)

hs.proc.kill('SIGTERM')
receiver.kill('SIGTERM')
await Promise.all([hs.proc.exited, receiver.exited])
process.exit(lost.length === 0 ? 0 : 1)
