/**
 * hookstream on PostgreSQL next to SQLite, in one run. `bun run bench:postgres`.
 * PostgreSQL is a private durable cluster started here (bench/lib/postgres.ts), or
 * BENCH_DATABASE_URL. PostgreSQL, hookstream, wrk and the receiver all share this
 * machine's cores: read the figures as ratios between rows of the same run.
 *
 * Ingest (wrk, 32 connections in all, SECONDS s each, ROUNDS rounds alternating):
 *   sqlite-floor  bench/floor-server.ts (group commit into one SQLite table)
 *   pg-floor      bench/pg-floor-server.ts (group commit, one multi-row INSERT per batch)
 *   sqlite        hookstream on SQLite, source without verification
 *   pg-1          hookstream on PostgreSQL, one instance
 *   pg-2          two instances on one database, 16 connections to each, rates summed
 * Delivery: DRAIN_EVENTS events per destination queued behind paused destinations
 * (DESTINATIONS of them, so two instances split the ownership), then resumed and
 * timed until the receiver counts every one: sqlite, pg-1, pg-2.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { type Hookstream, startHookstream } from './lib/hookstream'
import { startBenchPostgres } from './lib/postgres'
import { DELIVERY_BODY, ensureBinary, freePort, INGEST_BODY, median, receiverStats, resetReceiver, ROOT, sendLoop, startServer, tempDir, wrk } from './lib/tools'

const SECONDS = Number(process.env.SECONDS_PER_RUN ?? 8)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const N = Number(process.env.DRAIN_EVENTS ?? 5_000)
const DESTINATIONS = Number(process.env.DESTINATIONS ?? 4)
const KEY = Buffer.alloc(32, 9).toString('base64')
const body = INGEST_BODY
const json = { 'content-type': 'application/json' }

ensureBinary()
const pg = await startBenchPostgres()
const common = ['--allow-private-destinations', '--no-access-log']
const storagePg = async (db: string) => ['--database-url', await pg.createDatabase(db), '--encryption-key', KEY]

const [floorPort, pgFloorPort, rxPort] = [await freePort(), await freePort(), await freePort()]
const floorDir = tempDir('hs-bench-floor-')
const rxUrl = `http://127.0.0.1:${rxPort}`
const servers = [
	await startServer([process.execPath, join(ROOT, 'bench', 'floor-server.ts'), String(floorPort), floorDir], `http://127.0.0.1:${floorPort}/`),
	await startServer([process.execPath, join(ROOT, 'bench', 'pg-floor-server.ts'), String(pgFloorPort), await pg.createDatabase('floor')], `http://127.0.0.1:${pgFloorPort}/`),
	await startServer([process.execPath, join(ROOT, 'bench', 'receiver-server.ts'), String(rxPort)], `${rxUrl}/stats`)
]
const sqlite = await startHookstream(common)
const pgIngest = await storagePg('ingest')
const pg1 = await startHookstream(common, { storage: pgIngest })
const pg2 = await startHookstream(common, { storage: pgIngest, key: pg1.key })

async function plainSource(hs: Hookstream, slug: string): Promise<string> {
	return (await hs.api<{ source: { id: string } }>('POST', '/v1/sources', { name: slug, slug })).source.id
}
const sources = { sqlite: await plainSource(sqlite, 'bench-a'), pg: await plainSource(pg1, 'bench-a') }

type Config = 'sqlite-floor' | 'pg-floor' | 'sqlite' | 'pg-1' | 'pg-2'
const CONFIGS: Config[] = ['sqlite-floor', 'pg-floor', 'sqlite', 'pg-1', 'pg-2']
const urls: Record<Config, string[]> = {
	'sqlite-floor': [`http://127.0.0.1:${floorPort}/v1/ingest/x`],
	'pg-floor': [`http://127.0.0.1:${pgFloorPort}/v1/ingest/x`],
	sqlite: [`${sqlite.base}/v1/ingest/${sources.sqlite}`],
	'pg-1': [`${pg1.base}/v1/ingest/${sources.pg}`],
	'pg-2': [`${pg1.base}/v1/ingest/${sources.pg}`, `${pg2.base}/v1/ingest/${sources.pg}`]
}

/** One wrk per URL at once, the 32 connections split between them; rates summed, p99 the worst. */
async function ingest(config: Config) {
	const targets = urls[config]
	const results = await Promise.all(targets.map((url) => wrk(url, { body, headers: json, connections: 32 / targets.length, seconds: SECONDS, threads: 1 })))
	return { rps: results.reduce((a, r) => a + r.rps, 0), p99: Math.max(...results.map((r) => r.p99ms)), failed: results.reduce((a, r) => a + r.non2xx + r.errors, 0) }
}

for (const config of CONFIGS) await ingest(config) // warm-up: JIT, page cache, connection pools
const ingestRows: Record<Config, { rps: number; p99: number; failed: number }[]> = { 'sqlite-floor': [], 'pg-floor': [], sqlite: [], 'pg-1': [], 'pg-2': [] }
for (let r = 0; r < ROUNDS; r++) {
	const order = r % 2 === 0 ? CONFIGS : [...CONFIGS].reverse()
	for (const config of order) {
		const x = await ingest(config)
		ingestRows[config].push(x)
		console.error(`round ${r + 1} ${config}: ${x.rps.toFixed(0)} req/s, p99 ${x.p99.toFixed(1)} ms, ${x.failed} failed`)
	}
}

/** Queues N events per destination behind paused destinations, resumes them, times until all arrived. */
async function drain(label: string, ingestOn: Hookstream[], api: Hookstream) {
	const slug = `drain-${label}`
	const { source } = await api.api<{ source: { id: string } }>('POST', '/v1/sources', { name: slug, slug })
	const destinationIds: string[] = []
	for (let i = 0; i < DESTINATIONS; i++) {
		const { destination } = await api.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: `${slug}-${i}`, slug: `${slug}-${i}`, url: `${rxUrl}/in/${i}`, timeout_ms: 10000 })
		await api.api('PATCH', `/v1/destinations/${destination.id}`, { status: 'paused' })
		await api.api('POST', '/v1/connections', { name: `${slug}-${i}`, source_id: source.id, destination_id: destination.id })
		destinationIds.push(destination.id)
	}
	const fills = await Promise.all(ingestOn.map((hs) => sendLoop(`${hs.base}/v1/ingest/${source.id}`, { total: N / ingestOn.length, concurrency: 32 / ingestOn.length, body: DELIVERY_BODY })))
	if (fills.some((f) => f.failures > 0)) throw new Error(`${label}: ingest requests failed`)
	await resetReceiver(rxUrl)
	const started = performance.now()
	for (const id of destinationIds) await api.api('PATCH', `/v1/destinations/${id}`, { status: 'active' })
	const expected = N * DESTINATIONS
	for (;;) {
		const s = await receiverStats(rxUrl)
		if (s.unique >= expected) return { label, perSecond: expected / ((performance.now() - started) / 1000), duplicates: s.duplicates }
		if (performance.now() - started > 600_000) throw new Error(`${label}: only ${s.unique} of ${expected} arrived`)
		await Bun.sleep(25)
	}
}
const drains: Record<string, { perSecond: number; duplicates: number }[]> = { sqlite: [], 'pg-1': [], 'pg-2': [] }
for (let r = 0; r < ROUNDS; r++) {
	for (const [label, on] of [['sqlite', [sqlite]], ['pg-1', [pg1]], ['pg-2', [pg1, pg2]]] as const) {
		const api = on[0] as Hookstream
		const d = await drain(`${label}-${r}`, [...on], api)
		drains[label]?.push(d)
		console.error(`round ${r + 1} drain ${label}: ${d.perSecond.toFixed(0)} deliveries/s, ${d.duplicates} duplicates`)
	}
}

console.log(`\nIngest, ${SECONDS} s × ${ROUNDS} rounds, 1 KB JSON, 32 connections in all (medians)\n`)
console.log('| configuration | req/s | × its floor | × SQLite hookstream | p99 ms | failed |')
console.log('|---|---|---|---|---|---|')
const med = (c: Config) => median(ingestRows[c].map((x) => x.rps))
for (const c of CONFIGS) {
	const floor = c.startsWith('sqlite') ? med('sqlite-floor') : med('pg-floor')
	const failed = ingestRows[c].reduce((a, x) => a + x.failed, 0)
	console.log(`| ${c} | ${med(c).toFixed(0)} | ${c.endsWith('floor') ? '—' : (med(c) / floor).toFixed(2)} | ${c.endsWith('floor') ? '—' : (med(c) / med('sqlite')).toFixed(2)} | ${median(ingestRows[c].map((x) => x.p99)).toFixed(1)} | ${failed} |`)
}
console.log(`\nDelivery drain: ${N} events × ${DESTINATIONS} destinations, default concurrency (medians)\n`)
console.log('| backend | deliveries/s | × SQLite | duplicates |')
console.log('|---|---|---|---|')
const base = median((drains.sqlite ?? []).map((x) => x.perSecond))
for (const [label, xs] of Object.entries(drains)) {
	const m = median(xs.map((x) => x.perSecond))
	console.log(`| ${label} | ${m.toFixed(0)} | ${(m / base).toFixed(2)} | ${xs.reduce((a, x) => a + x.duplicates, 0)} |`)
}

for (const hs of [sqlite, pg1, pg2]) hs.proc.kill('SIGTERM')
for (const s of servers) s.kill('SIGTERM')
await Promise.all([sqlite, pg1, pg2].map((hs) => hs.proc.exited))
await pg.stop()
// The runs store millions of events: leave no gigabytes behind in the temp dir.
for (const dir of [floorDir, sqlite.dataDir, pg1.dataDir, pg2.dataDir]) rmSync(dir, { recursive: true, force: true })
