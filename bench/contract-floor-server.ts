/**
 * The "contract floor" for the ingest benchmark: the storage floor (floor-server.ts) plus the
 * work every answered request needs under the API contract and hookstream's schema, and nothing
 * of hookstream's request path. Per request: the peer address (the event's source_ip), the header
 * map as JSON, an `evt_` id; per batch: hookstream's own events repo (`insertBatch`: the event row
 * with its id and list indexes, the source's counters) on a database migrated by hookstream's
 * migrations; the answer carries the event and source ids and an X-Request-Id, and one
 * access-log line is written per request (buffered per turn, as src/lib/log.ts does). Same
 * pragmas, same group commit (one batch in flight, flushed at the end of the event-loop turn),
 * same acknowledge-after-commit rule as the floor; the WAL is checkpointed by SQLite's
 * autocheckpoint inside the commit, as the floor's is, unless `checkpointer` is given.
 * Usage: bun bench/contract-floor-server.ts <port> <data dir> [option…]
 * Options, to price each piece (bench/contract-floor.ts's PIECES), or to serve as a configuration's
 * like-for-like floor (`hmac`, `stripe`: bench/lib/configs.ts CONTRACT_FLOORS, sent signed requests): left out — `ip` (no peer address: the
 * lookup and the column), `request-id` (no X-Request-Id header), `log` (no access-log line),
 * `schema` (the floor's one three-column table instead of hookstream's events repo),
 * `list-indexes` (events without its two list indexes; since migration 22 events have no index
 * on the id); added — `checkpointer` (checkpoints on hookstream's thread, src/db/checkpointer.ts),
 * and the verification bench:ingest's (b) and (c) need, each with the fastest primitives Bun has
 * (a keyed hasher copied per request, `timingSafeEqual`), for a like-for-like floor of those configurations:
 * `hmac` ((b): an HMAC-SHA256 of the body in `x-signature`, hex after `sha256=`) or `stripe` ((c):
 * Stripe's `t=…,v1=…` header, the timestamp within 300 s, the HMAC of `{t}.{body}`, then the body's
 * SHA-256 as its payload-hash dedup key, which hookstream's events repo looks up in its window and
 * stores with the row). A request whose signature does not match is answered 401 and not stored.
 */
import type { Server } from 'bun'
import { Checkpointer } from '../src/db/checkpointer'
import { migrate } from '../src/db/migrate'
import { createEventsRepo, type PendingEvent } from '../src/events/repo'
import { newId, newRequestId } from '../src/lib/ids'
import { silentLogger } from '../src/lib/log'
import { DEFAULT_DEDUP_WINDOW_SECONDS } from '../src/sources/service'
import { decode, isFresh, safeEqualBytes } from '../src/verify/util'
import { BENCH_SECRETS } from './lib/configs'
import { logIngest } from './lib/access-log'
import { benchTenant, openWithPragmas } from './lib/wal'

const OPTIONS = ['ip', 'request-id', 'log', 'schema', 'list-indexes', 'checkpointer', 'hmac', 'stripe']
const [port, dir] = [Number(process.argv[2] ?? 18082), process.argv[3] ?? '.']
const options = new Set(process.argv.slice(4))
for (const o of options) if (!OPTIONS.includes(o)) throw new Error(`unknown option ${o} (${OPTIONS.join(', ')})`)
const without = (piece: string) => options.has(piece)
if (options.has('hmac') && options.has('stripe')) throw new Error('hmac and stripe are two configurations: give one')

const STRIPE_TOLERANCE_S = 300
/** (c)'s source has the default dedup window. */
const DEDUP_WINDOW_MS = DEFAULT_DEDUP_WINDOW_SECONDS * 1000
// Keyed once; each request MACs on a copy (as hookstream's verifiers do: src/verify/compiled.ts).
const keyed = { hmac: new Bun.CryptoHasher('sha256', BENCH_SECRETS.hmac), stripe: new Bun.CryptoHasher('sha256', BENCH_SECRETS.stripe) }
/** The MAC against a hex signature, decoded and compared as hookstream's verifiers do (src/verify/util.ts). */
const hexEqual = (expected: Uint8Array, hex: string): boolean => {
	const given = decode(hex, 'hex')
	return given !== null && safeEqualBytes(given, expected)
}
/** (b): the body's HMAC in `x-signature` (hex, after `sha256=`). */
function hmacSigned(headers: Headers, body: Uint8Array, _now: number): boolean {
	const header = headers.get('x-signature') ?? ''
	const mac = keyed.hmac.copy().update(body).digest()
	return hexEqual(mac, header.startsWith('sha256=') ? header.slice(7) : header)
}
/** (c): Stripe's header, its timestamp no older than the tolerance (as src/verify/stripe.ts), one `v1` the HMAC of `{t}.{body}`. */
function stripeSigned(headers: Headers, body: Uint8Array, now: number): boolean {
	let t = ''
	const v1: string[] = []
	for (const part of (headers.get('stripe-signature') ?? '').split(',')) {
		if (part.startsWith('t=')) t = part.slice(2)
		else if (part.startsWith('v1=')) v1.push(part.slice(3))
	}
	if (!isFresh(Number(t) * 1000, now, STRIPE_TOLERANCE_S, true)) return false
	const mac = keyed.stripe.copy().update(`${t}.`).update(body).digest()
	return v1.some((hex) => hexEqual(mac, hex))
}

/** The configuration's check, chosen once. */
const verify = options.has('hmac') ? hmacSigned : options.has('stripe') ? stripeSigned : null

const db = openWithPragmas(`${dir}/contract-floor.db`)
migrate(db)
if (without('list-indexes')) for (const index of ['events_env', 'events_env_source']) db.run(`DROP INDEX ${index}`)
if (options.has('checkpointer')) new Checkpointer(db, 'NORMAL', silentLogger).start()

// An organization, environment and source as plain rows; each event is this template with its own id, headers and body.
const template = benchTenant(db, false).event().row
const events = createEventsRepo(db)
db.run('CREATE TABLE IF NOT EXISTS floor_events (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)')
const insertFloorRow = db.query('INSERT INTO floor_events (received_at, headers, body) VALUES (?1, ?2, ?3)')
const floorCommit = db.transaction((batch: PendingEvent[]) => {
	for (const { row } of batch) insertFloorRow.run(row.received_at, row.headers, row.payload_inline)
})
const store = without('schema') ? async (batch: PendingEvent[]) => void floorCommit.immediate(batch) : (batch: PendingEvent[]) => events.insertBatch(batch)

let queue: { event: PendingEvent; done: () => void }[] = []
let busy = false
async function flush(): Promise<void> {
	const batch = queue
	queue = []
	await store(batch.map((q) => q.event))
	busy = false
	for (const q of batch) q.done()
}

const JSON_ONLY = { 'content-type': 'application/json' }
Bun.serve({
	port,
	hostname: '127.0.0.1',
	async fetch(request: Request, server: Server<undefined>) {
		const requestId = without('request-id') && without('log') ? '' : newRequestId()
		const started = performance.now()
		const body = new Uint8Array(await request.arrayBuffer())
		const now = Date.now()
		const verified = verify ? verify(request.headers, body, now) : null
		if (verified === false) return new Response('{"error":{"type":"unauthorized","message":"signature does not match"}}', { status: 401, headers: JSON_ONLY })
		const dedupHash = options.has('stripe') ? Bun.SHA256.hash(body, 'hex') : null
		// hookstream's repo mints the id as it writes the row; the floor's table needs one made here.
		const id = without('schema') ? newId('evt', now) : ''
		const ip = without('ip') ? null : (server.requestIP(request)?.address ?? null)
		const row = {
			...template, id, headers: JSON.stringify(Object.fromEntries(request.headers)), source_ip: ip, payload_inline: body, payload_size: body.byteLength, received_at: now,
			...(verified ? { verification_status: 'verified' } : {}), dedup_hash: dedupHash
		}
		const dedup = dedupHash === null ? null : { keyHash: dedupHash, windowMs: DEDUP_WINDOW_MS }
		await new Promise<void>((done) => {
			queue.push({ event: { row, body, dedup, routes: [] }, done })
			if (!busy) (busy = true), setImmediate(flush)
		})
		if (!without('log')) logIngest(requestId, started)
		const answer = `{"event_id":"${row.id}","source_id":"${template.source_id}"}`
		return new Response(answer, { headers: without('request-id') ? JSON_ONLY : { ...JSON_ONLY, 'x-request-id': requestId } })
	}
})
console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }))
// A normal exit on SIGTERM, so `bun --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0))
