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
 * Since migration 22 (events keyed by `seq INTEGER PRIMARY KEY`, no index on the id), the s-variants:
 *   s0_seq_current    migration 22: list indexes (env_key), (env_key, source_key)
 *   s1_source_index   s0 without the (env_key) index: (env_key, source_key) alone
 *   s2_no_list        s0 without either list index
 *   s3_no_text_ids    s0 without the org, environment and source id columns (the keys only)
 *   s4_batch_ranges   s2, and one row per commit (environment, source, first and last seq) in a
 *                     table of its own with the two list indexes: per commit, not per event
 *   s5_deferred_lists s2, and the list entries added every 50 commits (1,100 events) into two
 *                     WITHOUT ROWID tables, read back from the new rows (lists would read them)
 */
import type { Database } from 'bun:sqlite'
import { rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './lib/tools'
import { PAGE_SIZE } from '../src/db/open'
import { EVENT_BODY as BODY, EVENT_HEADERS as HEADERS, openWalDb } from './lib/wal'
const BATCH = 22, COMMITS = 1500, PAGE = Number(process.env.PAGE ?? PAGE_SIZE)
const hex = () => Bun.randomUUIDv7('buffer').toString('hex')
const ENV = `env_${hex()}`, SRC = `src_${hex()}`, ORG = `org_${hex()}`
const COLS = `org_id TEXT NOT NULL, env_id TEXT NOT NULL, source_id TEXT NOT NULL, method TEXT NOT NULL, headers TEXT NOT NULL, query_params TEXT, content_type TEXT, source_ip TEXT, payload_inline BLOB, payload_ref TEXT, payload_size INTEGER NOT NULL, verification_status TEXT NOT NULL, verification_error TEXT, dedup_status TEXT NOT NULL, dedup_hash TEXT, status TEXT NOT NULL, received_at INTEGER NOT NULL, topic TEXT`
interface Variant {
	ddl: string[]
	/** The two list keys as columns. */
	extra?: boolean
	idBlob?: boolean
	/** `seq INTEGER PRIMARY KEY` first (migration 22's shape), the keys as columns. */
	seq?: boolean
	/** Without the org, environment and source id columns. */
	noTextIds?: boolean
	/** Run in each commit, after its rows (`first`, `last`: the commit's seqs). */
	perCommit?: (db: Database, first: number, last: number) => void
	/** Run in its own transaction every 50 commits. */
	every50?: (db: Database) => void
}
const SEQ_KEYS = `seq INTEGER PRIMARY KEY, id TEXT NOT NULL, ${COLS}, env_key INTEGER NOT NULL, source_key INTEGER NOT NULL`
const LISTS = ['CREATE INDEX e1 ON events (env_key)', 'CREATE INDEX e2 ON events (env_key, source_key)']
const variants: Record<string, Variant> = {
	v0_current: { ddl: [`CREATE TABLE events (id TEXT PRIMARY KEY, ${COLS})`, 'CREATE INDEX e1 ON events (env_id)', 'CREATE INDEX e2 ON events (env_id, source_id)'] },
	v1_no_id_index: { ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS})`, 'CREATE INDEX e1 ON events (env_id)', 'CREATE INDEX e2 ON events (env_id, source_id)'] },
	v2_int_list_keys: { extra: true, ddl: [`CREATE TABLE events (id TEXT PRIMARY KEY, ${COLS}, env_key INTEGER NOT NULL, source_key INTEGER NOT NULL)`, 'CREATE INDEX e1 ON events (env_key)', 'CREATE INDEX e2 ON events (env_key, source_key)'] },
	v3_one_list_index: { ddl: [`CREATE TABLE events (id TEXT PRIMARY KEY, ${COLS})`, 'CREATE INDEX e2 ON events (env_id, source_id)'] },
	v4_int_keys_no_id: { extra: true, ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS}, env_key INTEGER NOT NULL, source_key INTEGER NOT NULL)`, 'CREATE INDEX e1 ON events (env_key)', 'CREATE INDEX e2 ON events (env_key, source_key)'] },
	v5_blob_id_idx: { extra: true, idBlob: true, ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS}, env_key INTEGER NOT NULL, source_key INTEGER NOT NULL, idb BLOB NOT NULL)`, 'CREATE UNIQUE INDEX e0 ON events (idb)', 'CREATE INDEX e1 ON events (env_key)', 'CREATE INDEX e2 ON events (env_key, source_key)'] },
	v6_no_indexes: { ddl: [`CREATE TABLE events (id TEXT NOT NULL, ${COLS})`] },
	s0_seq_current: { seq: true, ddl: [`CREATE TABLE events (${SEQ_KEYS})`, ...LISTS] },
	s1_source_index: { seq: true, ddl: [`CREATE TABLE events (${SEQ_KEYS})`, LISTS[1] as string] },
	s2_no_list: { seq: true, ddl: [`CREATE TABLE events (${SEQ_KEYS})`] },
	s3_no_text_ids: { seq: true, noTextIds: true, ddl: [`CREATE TABLE events (${SEQ_KEYS.replace('org_id TEXT NOT NULL, env_id TEXT NOT NULL, source_id TEXT NOT NULL, ', '')})`, ...LISTS] },
	s4_batch_ranges: {
		seq: true,
		ddl: [`CREATE TABLE events (${SEQ_KEYS})`, 'CREATE TABLE ranges (id INTEGER PRIMARY KEY, env_key INTEGER, source_key INTEGER, first INTEGER, last INTEGER)',
			'CREATE INDEX r1 ON ranges (env_key, last)', 'CREATE INDEX r2 ON ranges (env_key, source_key, last)'],
		perCommit: (db, first, last) => db.query('INSERT INTO ranges (env_key, source_key, first, last) VALUES (1, 7, ?1, ?2)').run(first, last)
	},
	s5_deferred_lists: {
		seq: true,
		ddl: [`CREATE TABLE events (${SEQ_KEYS})`, 'CREATE TABLE le (env_key INTEGER, seq INTEGER, PRIMARY KEY (env_key, seq)) WITHOUT ROWID',
			'CREATE TABLE ls (env_key INTEGER, source_key INTEGER, seq INTEGER, PRIMARY KEY (env_key, source_key, seq)) WITHOUT ROWID',
			'CREATE TABLE lm (id INTEGER PRIMARY KEY, mark INTEGER NOT NULL)', 'INSERT INTO lm VALUES (1, 0)'],
		every50: (db) => {
			db.run('INSERT INTO le SELECT env_key, seq FROM events WHERE seq > (SELECT mark FROM lm) ORDER BY env_key, seq')
			db.run('INSERT INTO ls SELECT env_key, source_key, seq FROM events WHERE seq > (SELECT mark FROM lm) ORDER BY env_key, source_key, seq')
			db.run('UPDATE lm SET mark = (SELECT MAX(seq) FROM events)')
		}
	}
}
function run(name: string) {
	const v = variants[name]!
	const dir = tempDir('hs-bench-schema-')
	const path = join(dir, 'x.db')
	const db = openWalDb(path, PAGE)
	for (const s of v.ddl) db.run(s)
	db.run('CREATE TABLE event_totals (source_id TEXT PRIMARY KEY, env_id TEXT NOT NULL, stored INTEGER NOT NULL, event_count INTEGER NOT NULL DEFAULT 0, last_event_at INTEGER)')
	const ids = v.noTextIds ? [] : ['org_id', 'env_id', 'source_id']
	const cols = [...(v.seq ? ['seq'] : []), 'id', ...ids, 'method','headers','query_params','content_type','source_ip','payload_inline','payload_ref','payload_size','verification_status','verification_error','dedup_status','dedup_hash','status','received_at','topic', ...(v.extra || v.seq ? ['env_key','source_key'] : []), ...(v.idBlob ? ['idb'] : [])]
	const ins = db.query(`INSERT INTO events (${cols.join(',')}) VALUES (${cols.map((_, i) => `?${i + 1}`).join(',')})`)
	let seq = 0
	const tot = db.query(`INSERT INTO event_totals (source_id, env_id, stored, event_count, last_event_at) VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT (source_id) DO UPDATE SET stored = event_totals.stored + excluded.stored, event_count = event_totals.event_count + excluded.event_count, last_event_at = excluded.last_event_at`)
	const tx = db.transaction(() => {
		const now = Date.now()
		for (let i = 0; i < BATCH; i++) {
			const b = Bun.randomUUIDv7('buffer', now)
			const id = `evt_${b.toString('hex')}`
			const args: any[] = [...(v.seq ? [++seq] : []), id, ...(v.noTextIds ? [] : [ORG, ENV, SRC]), 'POST', HEADERS, null, 'application/json', '127.0.0.1', BODY, null, 1024, 'unverified', null, 'unique', null, 'no_route', now, null]
			if (v.extra || v.seq) args.push(1, 7)
			if (v.idBlob) args.push(b)
			ins.run(...args)
		}
		tot.run(SRC, ENV, BATCH, now)
		v.perCommit?.(db, seq - BATCH + 1, seq)
	})
	const every50 = v.every50 && db.transaction(() => v.every50?.(db))
	const commit = (i: number) => {
		tx.immediate()
		if (every50 && i % 50 === 49) every50.immediate()
	}
	for (let i = 0; i < 300; i++) commit(i)
	const start = statSync(`${path}-wal`).size
	const cpu = process.cpuUsage()
	for (let i = 0; i < COMMITS; i++) commit(i)
	const used = process.cpuUsage(cpu)
	const wal = statSync(`${path}-wal`).size
	const frames = (wal - start) / (PAGE + 24) / COMMITS
	db.close(); rmSync(dir, { recursive: true, force: true })
	return { frames: frames.toFixed(1), us: ((used.user + used.system) / COMMITS / BATCH).toFixed(2), user: (used.user / COMMITS / BATCH).toFixed(2) }
}
const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(variants)
for (let r = 0; r < 3; r++) for (const n of names) console.log(r, n, JSON.stringify(run(n)))
