/** Pieces shared by the in-process WAL benchmarks (wal-frames, wal-checkpoint) and wal-size. */
import type { Database } from 'bun:sqlite'
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import type { PendingEvent } from '../../src/events/repo'
import { newId } from '../../src/lib/ids'

/** bench:ingest's body size and the headers wrk sends for configuration (a). */
export const EVENT_BODY = new Uint8Array(1024).fill(120)
export const EVENT_HEADERS = JSON.stringify({ 'content-length': '1024', 'content-type': 'application/json', host: '127.0.0.1:18556' })

/** CPU seconds of a process's main thread (its task id is the process id), not of its other threads. */
export function mainThreadSeconds(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
	return (Number(fields[11]) + Number(fields[12])) / 100
}

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
	const [org, env, src] = [newId('org'), newId('env'), newId('src')]
	db.query("INSERT INTO organizations (id, name, created_at) VALUES (?1, 'o', 0)").run(org)
	db.query("INSERT INTO environments (id, org_id, name, slug, created_at) VALUES (?1, ?2, 'e', 'e', 0)").run(env, org)
	db.query("INSERT INTO sources (id, org_id, env_id, name, slug, created_at, updated_at) VALUES (?1, ?2, ?3, 'a', 'a', 0, 0)").run(src, org, env)
	return () => {
		const now = Date.now()
		return {
			row: {
				id: newId('evt', now), org_id: org, env_id: env, source_id: src, method: 'POST', headers: EVENT_HEADERS, query_params: null,
				content_type: 'application/json', source_ip: '127.0.0.1', payload_inline: EVENT_BODY, payload_ref: null, payload_size: EVENT_BODY.byteLength,
				verification_status: 'unverified', verification_error: null, dedup_status: 'unique', dedup_hash: null, status: 'no_route', received_at: now, topic: null
			},
			body: EVENT_BODY, dedup: null, routes: []
		}
	}
}
