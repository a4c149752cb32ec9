/**
 * The delivery "contract floor": the pool floor (send-floor.ts `pool`: hookstream's HTTP/1.1
 * client in a bare loop) plus the storage work every delivery needs under the contract and
 * hookstream's schema, and nothing of hookstream's worker (no ticks, no targets, no breaker,
 * no ownership, no providers, no SSRF check). Per delivery, as hookstream does it: the row
 * leased by the delivery repo's claim (128 at a time, oldest first; the lease held in memory, as on
 * SQLite since the fourteenth session; the `lease` option of earlier sessions is the default), its event's body read
 * with the claim, the request built by `buildRequest` (the contract's headers), the outcome
 * built by `decideOutcome`, and the attempt recorded through the repo's `completeBatch` (the attempt row, the delivery's next state, the
 * destination's counters), group-committed with a 2 ms linger as the worker's
 * outcomes are, the slot freed before the commit; WAL checkpoints on hookstream's checkpoint
 * thread. Database made by hookstream's migrations, with its pragmas, in its own process.
 * It answers "how much of the gap to the send floor is the durable record itself": hookstream's
 * drain against this floor is the worker's own cost.
 * Usage: bun bench/delivery-contract-floor.ts <url> <deliveries> <in flight> [option…]  → one JSON line
 * A warm-up of WARM_EVENTS deliveries (20,000 by default, as bench:delivery warms hookstream; at
 * least `in flight` × 4) runs first, uncounted. The timed run ends when the last record commits.
 * Options, to price the pieces (bench/delivery-pieces.ts), each leaving one out: `attempt-indexes`
 * (attempts without their three list indexes: by environment, event and destination), or one of
 * them alone (`attempt-env-index`, `attempt-event-index`, `attempt-destination-index`); `attempt-row`
 * (no attempt row); `finish` (the delivery's row not updated: rows read in order instead of
 * claimed, and left queued). With either, or `attempt-keys` or `attempt-event-seq`, the record is
 * the repo's statements composed here with that piece left out, in one transaction per batch as
 * `completeBatch` runs them (a lost lease throws here instead of being skipped). Redesigns, priced the same way: `attempt-keys` (the attempts'
 * environment and destination indexes on small integer keys, as the events' list indexes are
 * since migration 18, instead of the 36-character ids), `attempt-event-seq` (the event index on the
 * event's integer seq instead of its id). (`attempt-id-index`, no unique index on the attempt id, is
 * the schema since migration 24: attempts are keyed by the seq their id spells.) And `storage`, alone (the delivery "storage
 * floor": no lease written, rows read in order and held in memory, and each attempt recorded as
 * one narrow row of a bare table, group-committed: the least any durable record of every
 * attempt costs, as the ingest floor is the least any durable ingest costs).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { Checkpointer } from '../src/db/checkpointer'
import { migrate } from '../src/db/migrate'
import { MemoryLeases } from '../src/delivery/memory-leases'
import { GroupCommitter } from '../src/db/write'
import { Http1Pool } from '../src/delivery/http1'
import { Linger } from '../src/delivery/linger'
import type { AttemptOutcome, DeliveryRow } from '../src/delivery/repo'
import { createDeliveryRepo } from '../src/delivery/repo'
import { ATTEMPT_COLUMNS, attemptValues, DELIVERED, FINISH } from '../src/delivery/repo-sql'
import { prepare, valuesList } from '../src/db/sql'
import { recordedText } from '../src/delivery/response-text'
import { decideOutcome } from '../src/delivery/attempt'
import { CLOSED } from '../src/delivery/breaker'
import { ENCODED_BODY_CAP, RESPONSE_BODY_CAP } from '../src/delivery/outbound'
import { policyOf } from '../src/delivery/policy'
import { buildRequest } from '../src/delivery/request'
import type { DeliveryTarget } from '../src/destinations/model'
import type { DestinationRow } from '../src/destinations/repo'
import { createEventsRepo } from '../src/events/repo'
import { SeqIdMinter } from '../src/lib/ids'
import { silentLogger } from '../src/lib/log'
import { DELIVERY_BODY, inLanes, tempDir, threadCpuUs, threadCpuUsSince } from './lib/tools'
import { benchTenant, openWithPragmas } from './lib/wal'

const [url, total, concurrency] = [process.argv[2] ?? '', Number(process.argv[3] ?? 20_000), Number(process.argv[4] ?? 64)]
if (!url || !(total > 0) || !(concurrency > 0)) throw new Error('usage: bun bench/delivery-contract-floor.ts <url> <deliveries> <in flight> [option…]')
const OPTIONS = ['attempt-indexes', 'attempt-env-index', 'attempt-event-index', 'attempt-destination-index', 'attempt-keys', 'attempt-event-seq', 'attempt-row', 'finish', 'storage']
const options = new Set(process.argv.slice(5))
for (const o of options) if (!OPTIONS.includes(o)) throw new Error(`unknown option ${o} (${OPTIONS.join(', ')})`)
if (options.has('storage') && options.size > 1) throw new Error('storage replaces the whole record: it takes no other option')
// Warmed as bench:delivery warms hookstream (WARM_EVENTS, 20,000 by default) before the timed run: a
// shorter warm-up leaves the JIT compiling through it (~5 µs per delivery at 256 deliveries).
const WARM = Math.max(concurrency * 4, Number(process.env.WARM_EVENTS ?? 20_000))
const CLAIM = 128
const OWNER = 'floor'
const BODY = new TextEncoder().encode(DELIVERY_BODY)

const dir = tempDir('hs-bench-dfloor-')
const db = openWithPragmas(join(dir, 'hookstream.db'))
migrate(db)
// IF EXISTS: options that drop the same index combine (attempt-indexes+attempt-event-seq).
if (options.has('attempt-indexes')) for (const index of ['attempts_env', 'attempts_event', 'attempts_destination']) db.run(`DROP INDEX IF EXISTS ${index}`)
for (const index of ['env', 'event', 'destination']) if (options.has(`attempt-${index}-index`)) db.run(`DROP INDEX IF EXISTS attempts_${index}`)
if (options.has('attempt-keys')) {
	for (const index of ['attempts_env', 'attempts_destination']) db.run(`DROP INDEX IF EXISTS ${index}`)
	db.run('ALTER TABLE delivery_attempts ADD COLUMN env_key INTEGER')
	db.run('ALTER TABLE delivery_attempts ADD COLUMN destination_key INTEGER')
	db.run('CREATE INDEX attempts_env_key ON delivery_attempts (env_key)')
	db.run('CREATE INDEX attempts_destination_key ON delivery_attempts (destination_key)')
}
if (options.has('attempt-event-seq')) {
	db.run('DROP INDEX IF EXISTS attempts_event')
	db.run('ALTER TABLE delivery_attempts ADD COLUMN event_seq INTEGER')
	db.run('CREATE INDEX attempts_event_seq ON delivery_attempts (event_seq)')
}
// One destination with WARM + total queued deliveries, one per event, as ingest queues them.
const { destinationId, event } = benchTenant(db, true)
const events = createEventsRepo(db)
for (let queued = 0; queued < WARM + total; queued += 500) {
	await events.insertBatch(Array.from({ length: Math.min(500, WARM + total - queued) }, () => {
		const e = event()
		e.row.payload_inline = BODY
		e.row.payload_size = BODY.byteLength
		e.body = BODY
		return e
	}))
}
// The fill's WAL copied into the database before the checkpoint thread starts: every run begins
// from an empty WAL (nothing else holds the database yet, so the checkpoint cannot be refused).
const truncated = db.query<{ busy: number }, []>('PRAGMA wal_checkpoint(TRUNCATE)').get()
if (truncated?.busy !== 0) throw new Error('the checkpoint after the fill was refused')
const checkpoints = new Checkpointer(db, 'NORMAL', silentLogger)
checkpoints.start()
const dst = destinationId as string

const leases = new MemoryLeases()
const repo = createDeliveryRepo(db, leases)
// The storage floor's record: one narrow row per attempt (rowid, delivery id, status, time), nothing else written.
db.run('CREATE TABLE floor_attempts (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, status INTEGER NOT NULL, created_at INTEGER NOT NULL)')
const insertFloorAttempt = db.query('INSERT INTO floor_attempts (delivery_id, status, created_at) VALUES (?1, ?2, ?3)')
const floorRecord = db.transaction((batch: AttemptOutcome[]) => {
	for (const { attempt } of batch) insertFloorAttempt.run(attempt.delivery_id, attempt.response_status, attempt.created_at)
	return batch.length
})
// completeBatch's statements (no breaker or issues: every attempt here succeeds), one of them left out.
const finish = prepare(db, FINISH)
const keyed = options.has('attempt-keys')
const bySeq = options.has('attempt-event-seq')
const extra = [...(keyed ? ['env_key', 'destination_key'] : []), ...(bySeq ? ['event_seq'] : [])]
const insertAttempt = prepare(
	db,
	`INSERT INTO delivery_attempts (${['seq', ...ATTEMPT_COLUMNS, ...extra].join(', ')}) VALUES ${valuesList(1, 1 + ATTEMPT_COLUMNS.length + extra.length)}`
)
// Each attempt's id and the seq it spells, minted at its time as the repo's record mints them (migration 24).
const attemptIds = new SeqIdMinter('da')
const minted = (a: AttemptOutcome['attempt']): bigint => {
	const { id, seq } = attemptIds.next(a.created_at)
	a.id = id
	return seq
}
// The keys the list_keys table would give the one environment and destination; the events' seqs
// come in claim order (oldest first), as a counter here.
const keys = keyed ? [1, 2] : []
let eventSeq = 0
const delivered = prepare(db, DELIVERED)
const composedRecord = db.transaction((batch: AttemptOutcome[]) => {
	for (const o of batch) {
		const a = o.attempt
		if (!options.has('finish') && finish.run(a.delivery_id, o.next.state, o.next.dueAt, a.created_at).changes === 0) throw new Error('a delivery was not finished')
		if (!options.has('attempt-row')) insertAttempt.run(minted(a), ...attemptValues(a), ...keys, ...(bySeq ? [++eventSeq] : []))
	}
	// Every attempt here succeeds (deliverOne ends the run at a failed answer).
	delivered.run(dst, Math.max(...batch.map((o) => o.attempt.created_at)), batch.length)
	return batch.length
})
const composed = ['attempt-row', 'finish', 'attempt-keys', 'attempt-event-seq'].some((o) => options.has(o))
/** The storage floor, and `finish`, read the queue in order instead of claiming it. */
const inOrder = options.has('storage') || options.has('finish')
const record = options.has('storage')
	? async (batch: AttemptOutcome[]) => floorRecord.immediate(batch)
	: composed
		? async (batch: AttemptOutcome[]) => {
				const n = composedRecord.immediate(batch)
				// As completeBatch does once its batch commits.
				for (const o of batch) leases.release(o.attempt.delivery_id)
				return n
			}
		: (batch: AttemptOutcome[]) => repo.completeBatch(batch)
let recorded = 0
const outcomes = new Linger(new GroupCommitter<AttemptOutcome, number>(record, 256, (n) => (recorded += n)), { count: 128, ms: 2 })
const readQueued = db.query<DeliveryRow & { queue_rowid: number }, [string, number, number]>(
	"SELECT rowid AS queue_rowid, * FROM deliveries WHERE destination_id = ?1 AND state = 'queued' AND rowid > ?2 ORDER BY rowid LIMIT ?3"
)
let readUpTo = 0
const claim = async (now: number): Promise<DeliveryRow[]> => {
	if (!inOrder) return repo.claim(dst, now, CLAIM, OWNER, now + 60_000)
	const rows = readQueued.all(dst, readUpTo, CLAIM)
	readUpTo = rows.at(-1)?.queue_rowid ?? readUpTo
	return rows
}

/** Rows leased and not sent yet, each with its event's body read with the claim. */
const held: { row: DeliveryRow; body: Uint8Array; contentType: string | null }[] = []
/** The claim under way, which every lane finding nothing held waits for (one claim at a time, as the worker's). */
let refilling: Promise<number> | null = null
/** Claims the next rows and reads their bodies; how many were claimed. */
async function refill(): Promise<number> {
	const now = Date.now()
	const rows = await claim(now)
	// The repo's claim reads each row's payload with it (migration 23), as the worker's does; rows read in order read theirs here.
	const unread = rows.filter((r) => r.ahead === undefined)
	const bodies = new Map((await repo.readToDeliver([...new Set(unread.map((r) => r.event_id))])).map((e) => [e.id, e]))
	for (const row of rows) {
		const event = row.ahead ?? bodies.get(row.event_id)
		held.push({ row, body: event?.payload_inline ?? BODY, contentType: event?.content_type ?? null })
	}
	return rows.length
}
/** The next row to send; undefined once the queue is empty. */
async function nextRow() {
	while (held.length === 0) {
		refilling ??= refill().finally(() => {
			refilling = null
		})
		if ((await refilling) === 0) return undefined
	}
	return held.shift()
}

const u = new URL(url)
const pool = new Http1Pool()
const target = { tls: false, address: u.hostname, port: Number(u.port), serverName: null }
// The destination as the worker sends to it: the contract's request (buildRequest) and record (decideOutcome).
const destination: DeliveryTarget = {
	row: { ...(db.query<DestinationRow, [string]>('SELECT * FROM destinations WHERE id = ?1').get(dst) as DestinationRow), url },
	headers: {}, auth: { type: 'none', config: null }, signing: null, provider: null
}
const policy = policyOf(destination.row, 1000)

async function deliverOne(): Promise<number> {
	const next = await nextRow()
	if (!next) throw new Error('the queue ran out')
	const { row, body, contentType } = next
	const attemptNumber = row.attempts + 1
	const started = performance.now()
	const built = buildRequest(destination, { eventId: row.event_id, attemptNumber, body, contentType, now: Date.now() })
	const answer = await pool.request({
		target, method: built.request.method, path: u.pathname, host: u.host, headers: built.request.headers, body, timeoutMs: 30_000,
		bodyCap: RESPONSE_BODY_CAP, encodedCap: ENCODED_BODY_CAP
	})
	// The composed record counts every attempt as delivered: a failed answer ends the run here.
	if (answer.status < 200 || answer.status >= 300) throw new Error(`the receiver answered ${answer.status}`)
	const text = recordedText(answer.body, answer.headers['content-encoding'], RESPONSE_BODY_CAP)
	const result = {
		ok: true, status: answer.status, headers: answer.headers, body: typeof text === 'string' ? text : await text,
		durationMs: Math.round(performance.now() - started), error: null, errorType: null
	}
	const request = { url, method: built.request.method, recordedHeaders: built.recorded, bodySize: body.byteLength }
	// The slot frees now; the record commits with others (its promise is the commit's).
	void outcomes.write(decideOutcome({ owner: OWNER, delivery: row, policy, circuit: CLOSED, attemptNumber, request, result, now: Date.now(), retryable: true, reportable: true }))
	return answer.status
}

/** `n` deliveries with `concurrency` in flight, until every outcome is committed. */
async function drain(n: number) {
	const before = recorded
	const started = performance.now()
	const sent = await inLanes(n, concurrency, deliverOne)
	await outcomes.drain()
	if (recorded - before !== n) throw new Error(`recorded ${recorded - before} of ${n}`)
	return { seconds: (performance.now() - started) / 1000, failures: sent.failures }
}

await drain(WARM)
const cpu = process.cpuUsage()
const threads0 = threadCpuUs(process.pid)
const run = await drain(total)
const used = process.cpuUsage(cpu)
// Each thread's CPU µs per delivery, as bench/drain-io.ts THREADS=1 prints hookstream's.
const byThread = Object.fromEntries(threadCpuUsSince(process.pid, threads0, total).map(([name, us]) => [name, Number(us.toFixed(1))]))
await checkpoints.stop()
db.close()
rmSync(dir, { recursive: true, force: true })
// CPU per delivery of all this process's threads (the checkpointer's included), as hookstream's is measured.
console.log(JSON.stringify({ client: 'contract', requests: total, concurrency, seconds: run.seconds, perSecond: total / run.seconds, cpuUsPerRequest: (used.user + used.system) / total, failures: run.failures, byThread }))
process.exit(0)
