/**
 * What each piece of the events schema costs a group commit, in process, next to the floor's
 * one-table schema: WAL frames per commit of 22 events (1 KB bodies) and CPU µs per event, for
 * schema variants written out here (not the real migrations: bench/wal-frames.ts measures those).
 * `bun bench/schema-variants.ts [variant…]`; PAGE=4096 for the page size of databases made before 8 KB pages.
 *   v0_current        migrations ≤ 17: TEXT primary key, list indexes (env_id), (env_id, source_id)
 *   v1_no_id_index    v0 without the unique id index
 *   v2_int_list_keys  list indexes on integer keys (migration 18)
 *   v3_one_list_index v0 without the (env_id) index
 *   v4_int_keys_no_id v2 without the unique id index
 *   v5_blob_id_idx    v2 with the unique index on a 16-byte id
 *   v6_no_indexes     the row alone (the floor's b-tree count, hookstream's 19 columns)
 */
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './lib/tools'
import { PAGE_SIZE } from '../src/db/open'
import { EVENT_BODY as BODY, EVENT_HEADERS as HEADERS, openWalDb } from './lib/wal'
const BATCH = 22, COMMITS = 1500, PAGE = Number(process.env.PAGE ?? PAGE_SIZE)
const hex = () => Bun.randomUUIDv7('buffer').toString('hex')
const ENV = `env_${hex()}`, SRC = `src_${hex()}`, ORG = `org_${hex()}`
const COLS = `org_id TEXT NOT NULL, env_id TEXT NOT NULL, source_id TEXT NOT NULL, method TEXT NOT NULL, headers TEXT NOT NULL, query_params TEXT, content_type TEXT, source_ip TEXT, payload_inline BLOB, payload_ref TEXT, payload_size INTEGER NOT NULL, verification_status TEXT NOT NULL, verification_error TEXT, dedup_status TEXT NOT NULL, dedup_hash TEXT, status TEXT NOT NULL, received_at INTEGER NOT NULL, topic TEXT`
const variants: Record<string, { ddl: string[]; extra?: boolean; idBlob?: boolean }> = {
	v0_current: { ddl: [`CREATE TABLE events (id TEXT PRIMARY KEY, ${COLS})`, 'CREATE INDEX e1 ON events (env_id)', 'CREATE INDEX e2 ON events (env_id, source_id)'] },
	v1_no_id_index: { ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS})`, 'CREATE INDEX e1 ON events (env_id)', 'CREATE INDEX e2 ON events (env_id, source_id)'] },
	v2_int_list_keys: { extra: true, ddl: [`CREATE TABLE events (id TEXT PRIMARY KEY, ${COLS}, env_key INTEGER NOT NULL, source_key INTEGER NOT NULL)`, 'CREATE INDEX e1 ON events (env_key)', 'CREATE INDEX e2 ON events (env_key, source_key)'] },
	v3_one_list_index: { ddl: [`CREATE TABLE events (id TEXT PRIMARY KEY, ${COLS})`, 'CREATE INDEX e2 ON events (env_id, source_id)'] },
	v4_int_keys_no_id: { extra: true, ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS}, env_key INTEGER NOT NULL, source_key INTEGER NOT NULL)`, 'CREATE INDEX e1 ON events (env_key)', 'CREATE INDEX e2 ON events (env_key, source_key)'] },
	v5_blob_id_idx: { extra: true, idBlob: true, ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS}, env_key INTEGER NOT NULL, source_key INTEGER NOT NULL, idb BLOB NOT NULL)`, 'CREATE UNIQUE INDEX e0 ON events (idb)', 'CREATE INDEX e1 ON events (env_key)', 'CREATE INDEX e2 ON events (env_key, source_key)'] },
	v6_no_indexes: { ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS})`] },
}
function run(name: string) {
	const v = variants[name]!
	const dir = tempDir('hs-bench-schema-')
	const path = join(dir, 'x.db')
	const db = openWalDb(path, PAGE)
	for (const s of v.ddl) db.run(s)
	db.run('CREATE TABLE event_totals (source_id TEXT PRIMARY KEY, env_id TEXT NOT NULL, stored INTEGER NOT NULL, event_count INTEGER NOT NULL DEFAULT 0, last_event_at INTEGER)')
	const cols = ['id','org_id','env_id','source_id','method','headers','query_params','content_type','source_ip','payload_inline','payload_ref','payload_size','verification_status','verification_error','dedup_status','dedup_hash','status','received_at','topic', ...(v.extra ? ['env_key','source_key'] : []), ...(v.idBlob ? ['idb'] : [])]
	const ins = db.query(`INSERT INTO events (${cols.join(',')}) VALUES (${cols.map((_, i) => `?${i + 1}`).join(',')})`)
	const tot = db.query(`INSERT INTO event_totals (source_id, env_id, stored, event_count, last_event_at) VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT (source_id) DO UPDATE SET stored = event_totals.stored + excluded.stored, event_count = event_totals.event_count + excluded.event_count, last_event_at = excluded.last_event_at`)
	const tx = db.transaction(() => {
		const now = Date.now()
		for (let i = 0; i < BATCH; i++) {
			const b = Bun.randomUUIDv7('buffer', now)
			const id = `evt_${b.toString('hex')}`
			const args: any[] = [id, ORG, ENV, SRC, 'POST', HEADERS, null, 'application/json', '127.0.0.1', BODY, null, 1024, 'unverified', null, 'unique', null, 'no_route', now, null]
			if (v.extra) args.push(1, 7)
			if (v.idBlob) args.push(b)
			ins.run(...args)
		}
		tot.run(SRC, ENV, BATCH, now)
	})
	for (let i = 0; i < 300; i++) tx.immediate()
	const start = statSync(`${path}-wal`).size
	const cpu = process.cpuUsage()
	for (let i = 0; i < COMMITS; i++) tx.immediate()
	const used = process.cpuUsage(cpu)
	const wal = statSync(`${path}-wal`).size
	const frames = (wal - start) / (PAGE + 24) / COMMITS
	db.close(); rmSync(dir, { recursive: true, force: true })
	return { frames: frames.toFixed(1), us: ((used.user + used.system) / COMMITS / BATCH).toFixed(2), user: (used.user / COMMITS / BATCH).toFixed(2) }
}
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(variants)
for (let r = 0; r < 3; r++) for (const n of names) console.log(r, n, JSON.stringify(run(n)))
