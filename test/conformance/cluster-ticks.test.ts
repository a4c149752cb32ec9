import { afterAll, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { ChannelsService } from '../../src/alerts/channels'
import { AlertEvaluator } from '../../src/alerts/evaluator'
import { JobTicks } from '../../src/cluster/ticks'
import { sealJson } from '../../src/destinations/secrets'
import { SecretBox } from '../../src/lib/crypto'
import { createLogger } from '../../src/lib/log'
import { openSqliteStore, type Store } from '../../src/store'
import { openPgStore } from '../../src/store-pg'
import { Receiver } from '../e2e/receiver'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_PG_URL } from '../support/pg'
import { rawSql } from '../support/raw-sql'

/**
 * Periodic jobs on several instances sharing one database: two stores (two
 * "instances") race for the same ticks, and exactly one wins each.
 */
type Pair = { a: Store; b: Store; close: () => Promise<void> }
const backends: [string, (() => Promise<Pair>) | null][] = [
	['sqlite', async () => {
		const dir = tempDir()
		const opts = { dataDir: dir, synchronous: 'NORMAL' as const, migrate: true }
		const a = openSqliteStore(opts)
		const b = openSqliteStore(opts)
		return { a, b, close: async () => { await a.close(); await b.close(); rmSync(dir, { recursive: true, force: true }) } }
	}],
	['postgres', TEST_PG_URL ? async () => {
		const db = await createTestDatabase()
		const a = await openPgStore(db.url, { migrate: true })
		const b = await openPgStore(db.url, { migrate: false })
		return { a, b, close: async () => { await a.close(); await b.close(); await db.drop() } }
	} : null]
]

const log = createLogger('silent')
const INTERVAL = 60_000

for (const [name, open] of backends) {
	describe.skipIf(open === null)(`periodic job ticks (${name})`, () => {
		const closers: (() => Promise<unknown>)[] = []
		afterAll(async () => {
			for (const c of closers) await c()
		})
		const pair = async () => {
			const p = await (open as () => Promise<Pair>)()
			closers.push(p.close)
			return p
		}

		test('two instances racing for the same ticks: exactly one claims each, per job; old ticks are pruned', async () => {
			const { a, b } = await pair()
			let now = 1_000 * INTERVAL
			const ta = new JobTicks(a.cluster, log, 'instance-a', () => now)
			const tb = new JobTicks(b.cluster, log, 'instance-b', () => now)
			const won = { 'instance-a': 0, 'instance-b': 0 }
			for (let i = 0; i < 100; i++) {
				for (const job of ['metrics.rollup', 'alerts.evaluate']) {
					// b goes first on odd ticks, so both sides win some.
					const [x, y] = i % 2 ? [tb, ta] : [ta, tb]
					const results = await Promise.all([x.claim(job, INTERVAL), y.claim(job, INTERVAL)])
					expect(results.filter(Boolean)).toHaveLength(1)
					won[(results[0] ? x.owner : y.owner) as keyof typeof won]++
					// A late timer of the same tick finds it taken too.
					expect(await x.claim(job, INTERVAL)).toBe(false)
				}
				now += INTERVAL
			}
			expect(won['instance-a'] + won['instance-b']).toBe(200)
			expect(won['instance-a']).toBeGreaterThan(0)
			expect(won['instance-b']).toBeGreaterThan(0)
			const sql = rawSql(a)
			const owners = await sql.all<{ owner: string; n: number }>("SELECT owner, COUNT(*) AS n FROM job_ticks WHERE job = 'metrics.rollup' GROUP BY owner ORDER BY owner")
			expect(owners.every((r) => r.owner === 'instance-a' || r.owner === 'instance-b')).toBe(true)
			// 100 ticks claimed, the ones before the last prune (minus the 16 kept) deleted.
			const kept = await sql.get<{ n: number; lo: number; hi: number }>("SELECT COUNT(*) AS n, MIN(tick) AS lo, MAX(tick) AS hi FROM job_ticks WHERE job = 'metrics.rollup'")
			expect(kept?.hi).toBe(1_099)
			expect(kept?.n).toBeLessThan(100)
			expect(kept?.n).toBe((kept?.hi as number) - (kept?.lo as number) + 1) // no gaps: every tick in between was claimed once
		})

		test('an alert evaluated on two instances at once notifies once: one instance claims the tick, and an overrunning pass records nothing', async () => {
			const { a, b } = await pair()
			const receiver = new Receiver()
			closers.push(() => receiver.stop())
			const box = new SecretBox(Buffer.alloc(32, 7))
			const t0 = Date.parse('2026-03-02T12:00:00.000Z')
			const clock = { now: () => t0 }
			const rule = async (id: string, channel: string) => {
				await a.alerts.insertChannel({
					id: channel, org_id: 'org_x', env_id: 'env_x', name: channel, channel_type: 'webhook', config: sealJson(box, { url: `${receiver.url}/${id}` }) as string,
					enabled: 1, last_sent_at: null, error_count: 0, last_error: null, created_at: t0, updated_at: t0
				})
				await a.alerts.insertRule({
					id, org_id: 'org_x', env_id: 'env_x', name: id, description: null, enabled: 1, rule_type: 'issue_opened', rule_config: '{}', source_id: null, destination_id: null,
					channel_ids: JSON.stringify([channel]), cooldown_minutes: 60, last_triggered_at: null, trigger_count: 0, state: 'ok', last_breach_at: null,
					last_evaluated_at: null, last_value: null, created_at: t0 - 60_000, updated_at: t0 - 60_000
				})
			}
			await rawSql(a).run(`INSERT INTO issues (id, org_id, env_id, destination_id, error_type, message, first_seen_at, last_seen_at, created_at, updated_at)
				VALUES ('iss_1', 'org_x', 'env_x', 'dst_x', 'http_5xx', 'HTTP 503', $1, $1, $1, $1)`, [t0 - 1000])
			const evaluator = (s: Store, ticks: JobTicks | null) =>
				new AlertEvaluator(s.alerts, { metrics: s.metrics, issues: s.signals }, new ChannelsService(s.alerts, box, clock, { allowPrivate: true, smtpUrl: null }), clock, log, INTERVAL, ticks)

			await rule('ar_claimed', 'nc_claimed')
			const claimed = [evaluator(a, new JobTicks(a.cluster, log, 'instance-a')), evaluator(b, new JobTicks(b.cluster, log, 'instance-b'))]
			expect((await Promise.all(claimed.map((e) => e.periodic.fire()))).filter(Boolean)).toHaveLength(1)
			await receiver.waitFor(1)
			expect(await a.alerts.rule('ar_claimed')).toMatchObject({ state: 'firing', trigger_count: 1 })

			// Two passes over the same rule anyway (one overran into the next tick, here: no claim at all):
			// both see the breach, only the evaluation recorded first notifies.
			await a.alerts.deleteRule('ar_claimed')
			await rule('ar_unclaimed', 'nc_unclaimed')
			const unclaimed = [evaluator(a, null), evaluator(b, null)]
			expect(await Promise.all(unclaimed.map((e) => e.periodic.fire()))).toEqual([true, true])
			// fire() returns after the run's sends were answered: any second notification is in by now.
			expect(receiver.received.map((r) => r.path)).toEqual(['/ar_claimed', '/ar_unclaimed'])
			expect(await a.alerts.rule('ar_unclaimed')).toMatchObject({ state: 'firing', trigger_count: 1 })
		})
	})
}
