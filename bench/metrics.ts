/**
 * Metrics at scale: TARGET events (default 1M) and one delivery attempt per 4
 * events, spread over the last 30 days across 4 sources and 2 destinations,
 * written straight into the tables as ingest and delivery store them (the real
 * ingest path cannot back-date events). The rollup job then folds them in, and
 * each metrics endpoint is timed over the full 30 days through the real app.
 * `bun run bench/metrics.ts` (also run by `bun run bench:scale`).
 */
import { sqliteOf } from '../src/store'
import { rmSync } from 'node:fs'
import { resolveConfig } from '../src/config'
import { createContext } from '../src/context'
import { createApp } from '../src/http/app'
import { seqOfId } from '../src/events/seq-sql'
import { newId, SeqIdMinter } from '../src/lib/ids'
import { tempDir } from '../test/helpers'

const TARGET = Number(process.env.TARGET ?? 1_000_000)
const DAYS = 30
/** Inline body size: the rollup reads event rows, so a bigger body costs it more page reads. */
const PAYLOAD = Buffer.from(JSON.stringify({ pad: 'x'.repeat(Math.max(0, Number(process.env.PAYLOAD_BYTES ?? 1000) - 10)) }))
const dir = tempDir('hookstream-bench-metrics-')
const ctx = await createContext(resolveConfig({ 'data-dir': dir, 'log-level': 'silent' }, {}))
const app = createApp(ctx)
const { key } = await ctx.keys.createKey('bench')
const call = async (path: string, body?: unknown) => {
	const res = await app.handle(new Request(`http://localhost${path}`, { method: body ? 'POST' : 'GET', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }))
	if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`)
	return res.json() as Promise<Record<string, { id: string; env_id: string }>>
}
const sources = await Promise.all([0, 1, 2, 3].map(async (i) => (await call('/v1/sources', { name: `s${i}`, slug: `s${i}` })).source as { id: string; env_id: string }))
const dests = await Promise.all([0, 1].map(async (i) => (await call('/v1/destinations', { name: `d${i}`, slug: `d${i}`, url: 'https://example.com/' })).destination as { id: string }))
const env = sources[0]?.env_id as string
const db = sqliteOf(ctx.store)
const now = Date.now()
const span = DAYS * 86_400_000

let started = performance.now()
// Keyed by the seq each id spells, as the events repo keys them (events/seq-sql.ts).
const ev = db.query(`INSERT INTO events (seq, id, org_id, env_id, source_id, method, headers, payload_inline, payload_size, verification_status, dedup_status, status, received_at)
	VALUES (?7, ?1, 'org_b', ?2, ?3, 'POST', '{}', ?5, ?6, 'unverified', 'unique', 'delivered', ?4)`)
// Attempts too, by the seq each id spells (attempts/seq-sql.ts), minted in time order as the delivery repo mints them.
const attemptIds = new SeqIdMinter('da')
const at = db.query(`INSERT INTO delivery_attempts (seq, id, org_id, env_id, delivery_id, event_id, connection_id, destination_id, request_url, request_method, response_status, duration_ms, status, error_type, created_at, attempt_number, is_dlq, trigger_type)
	VALUES (?10, ?1, 'org_b', ?2, 'dlv_b', ?3, 'conn_b', ?4, 'https://example.com/', 'POST', ?5, ?6, ?7, ?8, ?9, 1, 0, 'initial')`)
const fill = db.transaction((from: number, to: number) => {
	for (let i = from; i < to; i++) {
		const t = now - span + Math.floor((i / TARGET) * span)
		const id = newId('evt', t)
		ev.run(id, env, (sources[i % 4] as { id: string }).id, t, PAYLOAD, PAYLOAD.length, seqOfId(id))
		if (i % 4 === 0) {
			const ok = i % 40 !== 0
			const attempt = attemptIds.next(t + 50)
			at.run(attempt.id, env, id, (dests[(i / 4) % 2] as { id: string }).id, ok ? 200 : 503, 20 + (i % 500), ok ? 'success' : 'failed', ok ? null : 'http_5xx', t + 50, attempt.seq)
		}
	}
})
for (let i = 0; i < TARGET; i += 50_000) fill(i, Math.min(TARGET, i + 50_000))
// The per-source totals the ingest transaction keeps (the rollup counts sources from them).
db.run(`INSERT INTO event_totals (source_id, env_id, stored) SELECT source_id, env_id, COUNT(*) FROM events GROUP BY source_id, env_id
	ON CONFLICT (source_id) DO UPDATE SET stored = excluded.stored`)
const fillSeconds = (performance.now() - started) / 1000
started = performance.now()
await ctx.ops.rollup.run()
const rollupSeconds = (performance.now() - started) / 1000

async function time(path: string, n = 200): Promise<{ p50: number; p99: number }> {
	const times: number[] = []
	for (let i = 0; i < n; i++) {
		const t0 = performance.now()
		await call(path)
		times.push(performance.now() - t0)
	}
	times.sort((x, y) => x - y)
	return { p50: times[Math.floor(n / 2)] as number, p99: times[Math.floor(n * 0.99)] as number }
}

const after = new Date(now - span).toISOString()
const before = new Date(now + 60_000).toISOString()
const queries = [
	`/v1/metrics/volume?after=${after}&before=${before}`,
	`/v1/metrics/volume?after=${after}&before=${before}&granularity=day`,
	`/v1/metrics/deliveries?after=${after}&before=${before}`,
	`/v1/metrics/latency?after=${after}&before=${before}`,
	`/v1/metrics/errors?after=${after}&before=${before}`,
	'/v1/metrics/overview'
]
console.log(`\nMetrics: ${TARGET} events (${PAYLOAD.length} B bodies) and ${TARGET / 4} attempts over ${DAYS} days (fill ${fillSeconds.toFixed(1)} s, rollup ${rollupSeconds.toFixed(1)} s = ${((rollupSeconds * 1e6) / (TARGET * 1.25)).toFixed(2)} µs per row)\n`)
console.log('| query (30 days) | p50 / p99 | target | met |')
console.log('|---|---|---|---|')
for (const q of queries) {
	const r = await time(q)
	console.log(`| ${q.replace(/after=[^&]+&before=[^&]+/, '30 days').replace('?&', '?')} | ${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} ms | p99 ≤ 50 ms | ${r.p99 <= 50 ? 'yes' : 'no'} |`)
}
await ctx.close()
rmSync(dir, { recursive: true, force: true })
