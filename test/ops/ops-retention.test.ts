import { sqliteOf } from '../../src/store'
import { afterEach, expect, test } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { manualClock } from './rows'

let t: TestApp
afterEach(async () => t.close())

const DAY = 86_400_000

test('ops retention: minute rollups past 2 days, hourly past --retention-days, daily past 400 days, finished replay jobs past 7 days', async () => {
	const now = Date.parse('2026-03-02T12:00:00.000Z')
	t = await makeTestApp({ 'retention-days': '10' }, manualClock(now))
	const db = sqliteOf(t.ctx.store)
	const bucket = db.query('INSERT INTO metric_volume (env_id, span, bucket, source_id, event_count) VALUES (?1, ?2, ?3, ?4, 1)')
	const latency = db.query("INSERT INTO metric_latency (env_id, span, bucket, destination_id, counts) VALUES ('env_x', ?1, ?2, 'dst_x', '[1]')")
	for (const [span, age] of [['minute', 1], ['minute', 3], ['hour', 9], ['hour', 11], ['day', 399], ['day', 401]] as const) {
		bucket.run('env_x', span, now - age * DAY, `src_${age}`)
		latency.run(span, now - age * DAY)
	}
	const job = db.query(`INSERT INTO replay_jobs (id, org_id, env_id, destination_id, from_at, to_at, rate_limit, max_events, status, total, started_at, completed_at, created_at, updated_at)
		VALUES (?1, 'org_x', 'env_x', 'dst_x', 0, 1, 10, 10, ?2, 1, 0, ?3, 0, 0)`)
	job.run('rpl_old', 'completed', now - 8 * DAY)
	job.run('rpl_recent', 'cancelled', now - 6 * DAY)
	job.run('rpl_running', 'running', null)
	db.query("INSERT INTO replay_items (job_id, seq, event_id, connection_id) VALUES ('rpl_old', 0, 'evt_x', 'conn_x')").run()

	await t.ctx.ops.trim()
	const left = db.query('SELECT span, bucket FROM metric_volume ORDER BY span, bucket').all() as { span: string; bucket: number }[]
	expect(left.map((r) => [r.span, Math.round((now - r.bucket) / DAY)])).toEqual([['day', 399], ['hour', 9], ['minute', 1]])
	expect((db.query('SELECT COUNT(*) AS n FROM metric_latency').get() as { n: number }).n).toBe(3)
	expect((db.query('SELECT id FROM replay_jobs ORDER BY id').all() as { id: string }[]).map((r) => r.id)).toEqual(['rpl_recent', 'rpl_running'])
	expect((db.query('SELECT COUNT(*) AS n FROM replay_items').get() as { n: number }).n).toBe(0) // the job's items went with it
})
