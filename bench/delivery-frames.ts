/**
 * What recording deliveries writes: a pre-filled queue drained through the real delivery
 * repo (claims of CLAIM rows, outcomes committed BATCH at a time, as the worker does at 64
 * in flight) with no network, reporting WAL frames per delivery by b-tree and the CPU µs
 * per delivery of the claims and of the outcome commits. Deterministic, unlike a drain.
 *   bun bench/delivery-frames.ts
 *   MIGRATIONS_UP_TO=15 bun bench/delivery-frames.ts   # the schema before migration 16 (with today's repo: an older
 *                                                     # commit's figures need that commit's repo, e.g. from a git worktree)
 * Every dirty page is one frame (a page of the database's size, 8 KB) appended to the WAL at commit, then copied into the
 * database at checkpoint (the checkpoints are off here so the WAL keeps every frame).
 */
import { MemoryLeases } from '../src/delivery/memory-leases'
import type { Database } from 'bun:sqlite'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS } from '../src/db/migrate'
import type { AttemptOutcome, DeliveryRow } from '../src/delivery/repo'
import { createDeliveryRepo } from '../src/delivery/repo'
import { createEventsRepo } from '../src/events/repo'
import { newId } from '../src/lib/ids'
import { tempDir } from './lib/tools'
import { benchTenant, framesByTree, openWalDb } from './lib/wal'

const UP_TO = Number(process.env.MIGRATIONS_UP_TO ?? Math.max(...MIGRATIONS.map((m) => m.version)))
const CLAIM = Number(process.env.CLAIM ?? 128)
const BATCH = Number(process.env.BATCH ?? 110)
const EVENTS = Number(process.env.EVENTS ?? 40_000)
// As recorded for bench:delivery's receiver (Bun answering 'ok').
const responseHeaders = JSON.stringify({ 'content-type': 'text/plain;charset=utf-8', date: new Date().toUTCString(), 'content-length': '2' })

/** EVENTS events with one queued delivery each, to one destination (returned). */
async function fill(db: Database): Promise<string> {
	const { destinationId, event } = benchTenant(db, true)
	const events = createEventsRepo(db)
	for (let done = 0; done < EVENTS; done += 100) await events.insertBatch(Array.from({ length: 100 }, event))
	db.run('PRAGMA wal_checkpoint(TRUNCATE)')
	return destinationId as string
}

function outcome(row: DeliveryRow, owner: string): AttemptOutcome {
	const now = Date.now()
	return {
		owner,
		attempt: {
			id: newId('da', now), org_id: row.org_id, env_id: row.env_id, delivery_id: row.id, event_id: row.event_id, connection_id: row.connection_id,
			destination_id: row.destination_id, request_url: 'http://127.0.0.1:9/in', request_method: 'POST',
			request_headers: JSON.stringify({ 'content-type': 'application/json', 'x-hookstream-event-id': row.event_id, 'x-hookstream-delivery-attempt': '1', 'x-hookstream-timestamp': new Date(now).toISOString() }),
			request_body_size: 1024, response_status: 200, response_headers: responseHeaders, response_body: 'ok', duration_ms: 1, status: 'success',
			error: null, error_type: null, created_at: now, attempt_number: 1, next_retry_at: null, is_dlq: 0, dlq_at: null, trigger_type: row.trigger_type
		},
		next: { state: 'delivered', dueAt: row.due_at },
		circuit: null,
		issues: []
	}
}

async function run() {
	const dir = tempDir('hs-bench-dframes-')
	const path = join(dir, 'hookstream.db')
	const db = openWalDb(path)
	for (const m of MIGRATIONS.filter((m) => m.version <= UP_TO)) db.run(m.sql)
	const dst = await fill(db)
	const repo = createDeliveryRepo(db, new MemoryLeases())
	const owner = 'bench'
	const start = Math.max(32, statSync(`${path}-wal`).size)
	const cpu = { claim: 0, record: 0 }
	const timed = async <T>(k: keyof typeof cpu, f: () => Promise<T>): Promise<T> => {
		const t = process.cpuUsage()
		const r = await f()
		const d = process.cpuUsage(t)
		cpu[k] += d.user + d.system
		return r
	}
	let held: DeliveryRow[] = []
	let recorded = 0
	for (;;) {
		if (held.length < BATCH) held.push(...(await timed('claim', () => repo.claim(dst, Date.now(), CLAIM, owner, Date.now() + 60_000))))
		if (held.length === 0) break
		const batch = held.splice(0, BATCH).map((r) => outcome(r, owner))
		recorded += await timed('record', () => repo.completeBatch(batch))
	}
	if (recorded !== EVENTS) throw new Error(`recorded ${recorded} of ${EVENTS}`)
	const { frames, byTree } = framesByTree(db, path, start)
	db.close()
	rmSync(dir, { recursive: true, force: true })
	return {
		framesPer100: (100 * frames) / recorded,
		claimUs: cpu.claim / recorded,
		recordUs: cpu.record / recorded,
		byTree: byTree.map(([name, n]) => `${name} ${((100 * n) / recorded).toFixed(1)}`).join(', ')
	}
}

console.log(`\nDraining ${EVENTS} queued deliveries: claims of ${CLAIM}, outcomes committed ${BATCH} at a time (migrations ≤ ${UP_TO})\n`)
console.log('| WAL frames per 100 deliveries | CPU µs/delivery: claim | CPU µs/delivery: record | frames per 100 deliveries by b-tree |')
console.log('|---|---|---|---|')
const r = await run()
console.log(`| ${r.framesPer100.toFixed(1)} | ${r.claimUs.toFixed(1)} | ${r.recordUs.toFixed(1)} | ${r.byTree} |`)
