/** Pieces shared by the in-process WAL and commit benchmarks (wal-frames, wal-checkpoint, delivery-frames, dedup-frames, schema-variants, rollup-events) and wal-size. */
import { Database } from 'bun:sqlite'
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import type { PendingEvent } from '../../src/events/repo'
import { PAGE_SIZE } from '../../src/db/open'
import { newId } from '../../src/lib/ids'
import { cpuSeconds } from './tools'

/** bench:ingest's body size and the headers wrk sends for configuration (a). */
export const EVENT_BODY = new Uint8Array(1024).fill(120)
export const EVENT_HEADERS = JSON.stringify({ 'content-length': '1024', 'content-type': 'application/json', host: '127.0.0.1:18556' })

/** hookstream's page size for a new database: a WAL frame is a 24-byte header and one page. */
export const PAGE = PAGE_SIZE

/** A database with hookstream's pragmas (src/db/open.ts), as the floors open theirs; `extra` pragmas after them. */
export function openWithPragmas(path: string, pageSize = PAGE, extra: string[] = []): Database {
	const db = new Database(path, { create: true, strict: true })
	// The page size only takes on a new file, before WAL mode.
	for (const p of [`page_size = ${pageSize}`, 'busy_timeout = 5000', 'journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', ...extra]) db.run(`PRAGMA ${p}`)
	return db
}

/**
 * The storage floor's one table in `dir` (bench/floor-server.ts, and the floors built on it): the
 * handle and its row insert (received_at, headers JSON, raw body), for the server's group commit.
 */
export function floorTable(dir: string) {
	const db = openWithPragmas(`${dir}/floor.db`)
	db.run('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, received_at INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL)')
	return { db, insert: db.query<unknown, [number, string, Uint8Array]>('INSERT INTO events (received_at, headers, body) VALUES (?1, ?2, ?3)') }
}

/** As openWithPragmas, checkpoints off so the WAL keeps every frame. */
export const openWalDb = (path: string, pageSize = PAGE): Database => openWithPragmas(path, pageSize, ['wal_autocheckpoint = 0'])

/** The frames appended to `path`'s WAL from byte `start` on, counted by the b-tree (table or index) whose page each one is. */
export function framesByTree(db: Database, path: string, start: number, pageSize = PAGE): { frames: number; byTree: [string, number][] } {
	const wal = readFileSync(`${path}-wal`)
	const owner = new Map(db.query<{ pageno: number; name: string }, []>('SELECT pageno, name FROM dbstat').all().map((r) => [r.pageno, r.name]))
	const byTree = new Map<string, number>()
	for (let at = start; at + 24 <= wal.length; at += pageSize + 24) {
		const name = owner.get(wal.readUInt32BE(at)) ?? '?'
		byTree.set(name, (byTree.get(name) ?? 0) + 1)
	}
	return { frames: (wal.length - start) / (pageSize + 24), byTree: [...byTree].sort((a, b) => b[1] - a[1]) }
}

/** CPU seconds of a process's main thread (its task id is the process id), not of its other threads. */
export const mainThreadSeconds = (pid: number): number => cpuSeconds(pid, pid)

/** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL restarts from its start. */
export function walSequence(dbPath: string): number {
	const fd = openSync(`${dbPath}-wal`, 'r')
	const b = Buffer.alloc(16)
	readSync(fd, b, 0, 16, 0)
	closeSync(fd)
	return b.readUInt32BE(12)
}

/**
 * An organization, environment and source written straight into a migrated database, and a
 * factory of events for it as ingest hands them to `insertBatch`: a source without verification
 * and no connections (bench:ingest's configuration (a)).
 */
export function benchEvents(db: Database): () => PendingEvent {
	return benchTenant(db, false).event
}

/**
 * As benchEvents; `routed`: with a destination and a connection to it too, each event queuing
 * one delivery there (as ingest does for a routed source).
 */
export function benchTenant(db: Database, routed: boolean): { destinationId: string | null; event: () => PendingEvent } {
	const [org, env, src] = [newId('org'), newId('env'), newId('src')]
	db.query("INSERT INTO organizations (id, name, created_at) VALUES (?1, 'o', 0)").run(org)
	db.query("INSERT INTO environments (id, org_id, name, slug, created_at) VALUES (?1, ?2, 'e', 'e', 0)").run(env, org)
	db.query("INSERT INTO sources (id, org_id, env_id, name, slug, created_at, updated_at) VALUES (?1, ?2, ?3, 'a', 'a', 0, 0)").run(src, org, env)
	const route = routed ? { destinationId: newId('dst'), connectionId: newId('conn') } : null
	if (route) {
		db.query("INSERT INTO destinations (id, org_id, env_id, name, slug, url, created_at, updated_at) VALUES (?1, ?2, ?3, 'd', 'd', 'http://127.0.0.1:9/in', 0, 0)").run(route.destinationId, org, env)
		db.query("INSERT INTO connections (id, org_id, env_id, source_id, destination_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'c', 0, 0)").run(route.connectionId, org, env, src, route.destinationId)
	}
	const event = (): PendingEvent => {
		const now = Date.now()
		return {
			row: {
				// Minted by the repo as it writes the row, as ingest's are.
				id: '', org_id: org, env_id: env, source_id: src, method: 'POST', headers: EVENT_HEADERS, query_params: null,
				content_type: 'application/json', source_ip: '127.0.0.1', payload_inline: EVENT_BODY, payload_ref: null, payload_size: EVENT_BODY.byteLength,
				verification_status: 'unverified', verification_error: null, dedup_status: 'unique', dedup_hash: null, status: route ? 'pending' : 'no_route', received_at: now, topic: null
			},
			body: EVENT_BODY, dedup: null, routes: route ? [{ deliveryId: newId('dlv', now), ...route }] : []
		}
	}
	return { destinationId: route?.destinationId ?? null, event }
}

