import { afterEach, expect, test } from 'bun:test'
import { makeTestApp, type TestApp } from '../helpers'
import { rawSql } from '../support/raw-sql'
import { manualClock } from './rows'

let t: TestApp
afterEach(async () => t.close())

const DAY = 86_400_000

test('ops retention: minute rollups past 2 days, hourly past --retention-days, daily past 400 days, finished replay jobs past 7 days', async () => {
	const now = Date.parse('2026-03-02T12:00:00.000Z')
	t = await makeTestApp({ 'retention-days': '10' }, manualClock(now))
	const db = rawSql(t.ctx.store)
	for (const [span, age] of [['minute', 1], ['minute', 3], ['hour', 9], ['hour', 11], ['day', 399], ['day', 401]] as const) {
		await db.run('INSERT INTO metric_volume (env_id, span, bucket, source_id, event_count) VALUES ($1, $2, $3, $4, 1)', ['env_x', span, now - age * DAY, `src_${age}`])
		await db.run("INSERT INTO metric_latency (env_id, span, bucket, destination_id, counts) VALUES ('env_x', $1, $2, 'dst_x', '[1]')", [span, now - age * DAY])
	}
	const job = (id: string, status: string, completedAt: number | null) =>
		db.run(`INSERT INTO replay_jobs (id, org_id, env_id, destination_id, from_at, to_at, rate_limit, max_events, status, total, started_at, completed_at, created_at, updated_at)
			VALUES ($1, 'org_x', 'env_x', 'dst_x', 0, 1, 10, 10, $2, 1, 0, $3, 0, 0)`, [id, status, completedAt])
	await job('rpl_old', 'completed', now - 8 * DAY)
	await job('rpl_recent', 'cancelled', now - 6 * DAY)
	await job('rpl_running', 'running', null)
	await db.run("INSERT INTO replay_items (job_id, seq, event_id, connection_id) VALUES ('rpl_old', 0, 'evt_x', 'conn_x')")

	await t.ctx.ops.trim()
	const left = await db.all<{ span: string; bucket: number }>('SELECT span, bucket FROM metric_volume ORDER BY span, bucket')
	expect(left.map((r) => [r.span, Math.round((now - r.bucket) / DAY)])).toEqual([['day', 399], ['hour', 9], ['minute', 1]])
	expect((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM metric_latency'))?.n).toBe(3)
	expect((await db.all<{ id: string }>('SELECT id FROM replay_jobs ORDER BY id')).map((r) => r.id)).toEqual(['rpl_recent', 'rpl_running'])
	expect((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM replay_items'))?.n).toBe(0) // the job's items went with it
})
