/** Starts the compiled binary on a fresh data dir with an admin key, for the benchmark scripts. */
import { Database } from 'bun:sqlite'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { prepare } from '../../src/db/sql'
import { cpuUs, DELIVERY_BODY, ensureBinary, freePort, sendLoop, startServer, tempDir } from './tools'

export interface Hookstream {
	base: string
	key: string
	dataDir: string
	proc: Subprocess
	api<T>(method: string, path: string, body?: unknown): Promise<T>
	restart(): Promise<void>
}

export interface StartOptions {
	dataDir?: string
	/** The database for the key command and the server alike (e.g. `--database-url … --encryption-key …`). */
	storage?: string[]
	/** Joins an instance to a database that already has an admin key (a second instance). */
	key?: string
	/** Another build than BIN (A/B scripts). */
	bin?: string
	/** Added to the server's environment (e.g. bench/lib/perf.ts jitDumpFolder's). */
	env?: Record<string, string>
}

export async function startHookstream(flags: string[] = [], opts: StartOptions = {}): Promise<Hookstream> {
	const { dataDir = tempDir('hs-bench-'), storage = [] } = opts
	const bin = opts.bin ?? ensureBinary()
	const key = opts.key ?? Bun.spawnSync([bin, '--create-admin-key', '--data-dir', dataDir, ...storage]).stdout.toString().trim().split('\n').at(-1) ?? ''
	const port = await freePort()
	const base = `http://127.0.0.1:${port}`
	const args = [bin, '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, ...storage, ...flags]
	const hs: Hookstream = {
		base, key, dataDir,
		proc: await startServer(args, `${base}/readyz`, opts.env),
		async api<T>(method: string, path: string, body?: unknown): Promise<T> {
			const res = await fetch(`${base}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
			if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
			return (await res.json()) as T
		},
		async restart() {
			hs.proc = await startServer(args, `${base}/readyz`, opts.env)
		}
	}
	return hs
}

/** A source with `connections` connections to `receiverUrl` (each its own destination). */
export async function sourceTo(hs: Hookstream, name: string, receiverUrl: string, connections = 1): Promise<string> {
	return (await pipelineTo(hs, name, receiverUrl, connections)).sourceId
}

/** As sourceTo, with the destinations' ids too. */
export async function pipelineTo(hs: Hookstream, name: string, receiverUrl: string, connections = 1): Promise<{ sourceId: string; destinationIds: string[] }> {
	const { source } = await hs.api<{ source: { id: string } }>('POST', '/v1/sources', { name, slug: name })
	const destinationIds: string[] = []
	for (let i = 0; i < connections; i++) {
		const { destination } = await hs.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: `${name}-${i}`, slug: `${name}-${i}`, url: `${receiverUrl}/in/${i}`, timeout_ms: 10000 })
		await hs.api('POST', '/v1/connections', { name: `${name}-${i}`, source_id: source.id, destination_id: destination.id })
		destinationIds.push(destination.id)
	}
	return { sourceId: source.id, destinationIds }
}

/**
 * A source routed to one paused destination at `receiverUrl`, with `events` events (the delivery
 * benchmarks' 1 KB body) ingested and queued for it: the destination's id. Resuming it starts a drain.
 */
export async function queuedDrain(hs: Hookstream, name: string, receiverUrl: string, events: number): Promise<string> {
	const { sourceId, destinationIds: [destinationId = ''] } = await pipelineTo(hs, name, receiverUrl)
	await hs.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'paused' })
	const fill = await sendLoop(`${hs.base}/v1/ingest/${sourceId}`, { total: events, concurrency: 32, body: DELIVERY_BODY })
	if (fill.failures > 0) throw new Error(`${fill.failures} ingest requests failed`)
	await quiesce(hs.proc.pid)
	return destinationId
}

/**
 * Waits until the server spends under 5 % of a core over 100 ms (10 s at most): the fill's WAL
 * copied by the checkpoint thread and its other after-work done, so that a drain timed next is
 * charged only for itself (the floors start from a checkpointed database).
 */
async function quiesce(pid: number): Promise<void> {
	const deadline = performance.now() + 10_000
	let before = cpuUs(pid)
	while (performance.now() < deadline) {
		await Bun.sleep(100)
		const now = cpuUs(pid)
		if (now - before < 5_000) return
		before = now
	}
}

/** Resumes a paused destination (a queued drain starts). */
export const resumeDestination = (hs: Hookstream, destinationId: string) => hs.api('PATCH', `/v1/destinations/${destinationId}`, { status: 'active' })

/** ($1 destination) Successful attempts committed to a destination, and when the last one finished. */
export const SUCCESSES = "SELECT COUNT(*) AS n, MAX(created_at) AS last FROM delivery_attempts WHERE status = 'success' AND destination_id = $1"

/** What SUCCESSES reads: how many, and the `created_at` (epoch ms) of the last. */
export interface Successes {
	n: number
	last: number
}

/** SUCCESSES read from a SQLite data dir, read-only, beside the server. */
export function successesIn(dataDir: string, destinationId: string): Successes {
	const db = new Database(join(dataDir, 'hookstream.db'), { readonly: true })
	try {
		return prepare<Successes, [string]>(db, SUCCESSES).get(destinationId) ?? { n: 0, last: 0 }
	} finally {
		db.close()
	}
}

/** Polls `read` (a destination's successful attempts committed so far) until there are `n`; fails after `timeoutMs`. */
export async function drained(read: () => Successes | Promise<Successes>, n: number, timeoutMs = 300_000): Promise<Successes> {
	const started = Date.now()
	for (;;) {
		const done = await read()
		if (done.n >= n) return done
		if (Date.now() - started > timeoutMs) throw new Error(`only ${done.n} of ${n} deliveries recorded after ${timeoutMs} ms`)
		await Bun.sleep(50)
	}
}
