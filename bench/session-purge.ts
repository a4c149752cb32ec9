/**
 * A test session's purge and claim in a database of N other events (`N=500000 bun bench/session-purge.ts`),
 * by source id as before 5d941a0 (every statement read the whole events table) and through the list index now.
 */
import { Database } from 'bun:sqlite'
import { migrate } from '../src/db/migrate'
import { prepare } from '../src/db/sql'
import { SEQ_ORDER } from '../src/events/order-sql'
import { eventChildrenDeletes } from '../src/events/repo-sql'
import { purgeStatements, claimStatements, claimParams } from '../src/sessions/repo-sql'
import { spelledSeq } from '../src/events/seq-sql'
import { newId } from '../src/lib/ids'
const N = Number(process.env.N ?? 500000)
const db = new Database(':memory:'); migrate(db)
db.run("INSERT INTO organizations (id, name, created_at) VALUES ('org_1','o',0)")
for (const e of ['env_1', 'env_2']) db.run(`INSERT INTO environments (id, org_id, name, slug, created_at) VALUES ('${e}','org_1','${e}','${e}',0)`)
const body = new Uint8Array(1024).fill(120)
// Keyed by the seq each id spells, as the events repo keys them (events/seq-sql.ts).
const ins = db.query(`INSERT INTO events (seq, id, org_id, env_id, source_id, method, headers, payload_inline, payload_size, verification_status, dedup_status, status, received_at, env_key, source_key)
  VALUES (${spelledSeq('?1')}, ?1, 'org_1', ?2, ?3, 'POST', '{}', ?4, 1024, 'unverified', 'unique', 'no_route', 0, (SELECT key FROM list_keys WHERE id = ?2), (SELECT key FROM list_keys WHERE id = ?3))`)
db.run("INSERT INTO list_keys (id) VALUES ('src_big')")
db.transaction(() => { for (let i = 0; i < N; i++) ins.run(newId('evt'), 'env_1', 'src_big', body) })()
const old = [...eventChildrenDeletes('SELECT id FROM events WHERE source_id = $1'), 'DELETE FROM events WHERE source_id = $1']
const now = purgeStatements(SEQ_ORDER).filter((s) => /\bevents (e|AS e)\b/.test(s))
const oldClaim = ['UPDATE events SET org_id = $2, env_id = $3, env_key = (SELECT key FROM list_keys WHERE id = $3) WHERE source_id = $1', 'UPDATE deliveries SET org_id = $2, env_id = $3 WHERE event_id IN (SELECT id FROM events WHERE source_id = $1)']
const newClaim = claimStatements(SEQ_ORDER).slice(0, 2)
function session(id: string) {
  db.run(`INSERT INTO sources (id, org_id, env_id, slug, name, created_at, updated_at) VALUES ('${id}','org_1','env_2','${id}','s',0,0)`)
  for (let i = 0; i < 10; i++) ins.run(newId('evt'), 'env_2', id, body)
}
function time(label: string, texts: string[], params: any[][]) {
  const t0 = performance.now()
  db.transaction(() => texts.forEach((t, i) => prepare(db, t).run(...(params[i] ?? []))))()
  console.log(label, (performance.now() - t0).toFixed(2), 'ms')
}
for (let r = 0; r < 2; r++) {
  session(`src_a${r}`); time(`purge by source id (before), ${N} other events`, old, old.map(() => [`src_a${r}`]))
  session(`src_b${r}`); time(`purge through the list index (now)`, now, now.map(() => [`src_b${r}`]))
  session(`src_c${r}`); time(`claim by source id (before)`, oldClaim, [[`src_c${r}`, 'org_1', 'env_1'], [`src_c${r}`, 'org_1', 'env_1']])
  session(`src_d${r}`); const p = claimParams(`src_d${r}`, 'org_1', 'env_1', 1); time(`claim through the list index (now)`, newClaim, [p[0] ?? [], p[1] ?? []])
}
