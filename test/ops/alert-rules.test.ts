import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { RESOLVE_AFTER_MS } from '../../src/alerts/evaluator'
import { ROLLUP_LAG_MS } from '../../src/metrics/rollup'
import { Receiver } from '../e2e/receiver'
import { makeTestApp, type TestApp } from '../helpers'
import { rawSql } from '../support/raw-sql'
import { insertAttempt, insertEvents, manualClock } from './rows'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by value
type Json = any
const MIN = 60_000
let t: TestApp
let r: Receiver
let clock: ReturnType<typeof manualClock>
let env: string
let src: string
let dst: string
let slack: string
let hook: string

beforeEach(async () => {
	clock = manualClock(Date.parse('2026-03-02T12:00:00.000Z'))
	t = await makeTestApp({ 'allow-private-destinations': true }, clock)
	r = new Receiver()
	const s: Json = await (await t.call('POST', '/v1/sources', { body: { name: 'S', slug: 's' } })).json()
	const d: Json = await (await t.call('POST', '/v1/destinations', { body: { name: 'D', slug: 'd', url: 'https://example.com/h' } })).json()
	env = s.source.env_id
	src = s.source.id
	dst = d.destination.id
	slack = ((await (await t.call('POST', '/v1/notification-channels', { body: { name: 'slack', channel_type: 'slack', config: { url: `${r.url}/slack` } } })).json()) as Json).channel.id
	hook = ((await (await t.call('POST', '/v1/notification-channels', { body: { name: 'hook', channel_type: 'webhook', config: { url: `${r.url}/hook` } } })).json()) as Json).channel.id
})
afterEach(async () => {
	await t.close()
	await r.stop()
})

async function rule(body: Json): Promise<Json> {
	const res = await t.call('POST', '/v1/alert-rules', { body })
	expect(res.status).toBe(201)
	return ((await res.json()) as Json).alert_rule
}
async function ruleNow(id: string): Promise<Json> {
	return ((await (await t.call('GET', `/v1/alert-rules/${id}`)).json()) as Json).alert_rule
}
const attempts = async (n: number, failed: number, at: number, extra: Json = {}) => {
	for (let i = 0; i < n; i++) await insertAttempt(rawSql(t.ctx.store), { envId: env, destinationId: dst, at: at + i, ok: i >= failed, ...extra })
}
const bodies = (path: string) => r.received.filter((x) => x.path === path).map((x) => JSON.parse(x.body))

describe('alert rules', () => {
	test('failure_rate over 10 %: Slack message, cooldown, re-trigger, auto-resolve with a resolved message', async () => {
		const ar = await rule({ name: 'D failing', rule_type: 'failure_rate', rule_config: { threshold: 10 }, destination_id: dst, channel_ids: [slack, hook], cooldown_minutes: 60 })
		expect(ar).toMatchObject({ rule_type: 'failure_rate', enabled: 1, trigger_count: 0, last_triggered_at: null, cooldown_minutes: 60, channel_ids: JSON.stringify([slack, hook]) })
		const t0 = clock.now()
		await attempts(10, 1, t0 - 5 * MIN) // exactly 10 %: not above the threshold
		await t.ctx.ops.alerts.evaluate()
		expect(r.received).toHaveLength(0)
		expect(await ruleNow(ar.id)).toMatchObject({ state: 'ok', last_value: 0.1 })

		await attempts(10, 2, t0 - 4 * MIN) // now 3 of 20 = 15 %
		await t.ctx.ops.alerts.evaluate()
		await r.waitFor(2)
		const [msg] = bodies('/slack')
		expect(msg.text).toBe('Alert triggered: D failing: Failure rate 15.0% over the last 15 min is above 10.0%')
		expect(msg.blocks[0].text.text).toBe('Alert triggered: D failing')
		const [payload] = bodies('/hook')
		expect(payload).toMatchObject({ type: 'alert.triggered', alert: { rule_id: ar.id, rule_type: 'failure_rate', status: 'triggered', destination_id: dst, value: 0.15, threshold: 0.1, window_minutes: 15 } })
		expect(await ruleNow(ar.id)).toMatchObject({ state: 'firing', trigger_count: 1, last_triggered_at: new Date(t0).toISOString() })

		clock.advance(5 * MIN) // still breached, within the cooldown: quiet
		await t.ctx.ops.alerts.evaluate()
		expect(r.received).toHaveLength(2)
		expect((await ruleNow(ar.id)).trigger_count).toBe(1)

		clock.set(t0 + 61 * MIN) // past the cooldown and still failing: notified again
		await attempts(4, 4, clock.now() - MIN)
		await t.ctx.ops.alerts.evaluate()
		await r.waitFor(4)
		expect((await ruleNow(ar.id)).trigger_count).toBe(2)

		clock.set(t0 + 61 * MIN + RESOLVE_AFTER_MS - MIN) // clear, but not for 30 minutes yet
		await t.ctx.ops.alerts.evaluate()
		expect(r.received).toHaveLength(4)
		expect((await ruleNow(ar.id)).state).toBe('firing')
		clock.set(t0 + 61 * MIN + RESOLVE_AFTER_MS)
		await t.ctx.ops.alerts.evaluate()
		await r.waitFor(6)
		const resolved = bodies('/hook').at(-1)
		expect(resolved).toMatchObject({ type: 'alert.resolved', alert: { status: 'resolved', resolved_at: new Date(clock.now()).toISOString(), triggered_at: new Date(t0 + 61 * MIN).toISOString() } })
		expect(bodies('/slack').at(-1).text).toStartWith('Alert resolved: D failing')
		expect(await ruleNow(ar.id)).toMatchObject({ state: 'ok', trigger_count: 2 })
		await t.ctx.ops.alerts.evaluate()
		expect(r.received).toHaveLength(6) // resolved once
	})

	test('a fractional threshold means the same as a percentage', async () => {
		const ar = await rule({ name: 'f', rule_type: 'failure_rate', rule_config: { threshold: 0.1 }, channel_ids: [hook] })
		await attempts(10, 2, clock.now() - MIN)
		await t.ctx.ops.alerts.evaluate()
		await r.waitFor(1)
		expect(bodies('/hook')[0].alert).toMatchObject({ value: 0.2, threshold: 0.1, destination_id: null })
		expect((await ruleNow(ar.id)).trigger_count).toBe(1)
		// The same measure once the rows are in the minute rollups (and half of them, then all).
		clock.advance(ROLLUP_LAG_MS)
		await t.ctx.ops.rollup.run()
		await t.ctx.ops.alerts.evaluate()
		expect((await ruleNow(ar.id)).last_value).toBe(0.2)
		expect(await rawSql(t.ctx.store).get("SELECT CAST(SUM(delivery_count) AS BIGINT) AS n FROM metric_deliveries WHERE span = 'minute'")).toEqual({ n: 10 })
	})

	test('latency: p95 (threshold_ms) and p50 (threshold)', async () => {
		const p95 = await rule({ name: 'slow', rule_type: 'latency', rule_config: { threshold_ms: 1000 }, destination_id: dst, channel_ids: [hook] })
		const p50 = await rule({ name: 'median', rule_type: 'latency', rule_config: { threshold: 1000, percentile_target: 'p50' }, channel_ids: [hook] })
		for (let i = 0; i < 20; i++) await insertAttempt(rawSql(t.ctx.store), { envId: env, destinationId: dst, at: clock.now() - MIN + i, ok: true, durationMs: i < 18 ? 100 : 2500 })
		await t.ctx.ops.alerts.evaluate()
		await r.waitFor(1)
		expect(bodies('/hook')).toHaveLength(1)
		expect(bodies('/hook')[0].alert).toMatchObject({ rule_id: p95.id, value: 3000, threshold: 1000, message: 'p95 delivery latency 3000 ms over the last 15 min is above 1000 ms' })
		expect(await ruleNow(p50.id)).toMatchObject({ state: 'ok', last_value: 100 })
	})

	test('volume_drop compares with the previous window, per source', async () => {
		const ar = await rule({ name: 'quiet', rule_type: 'volume_drop', rule_config: { threshold: 50, window_minutes: 10 }, source_id: src, channel_ids: [hook] })
		const now = clock.now()
		await insertEvents(rawSql(t.ctx.store), [
			...Array.from({ length: 10 }, (_, i) => ({ envId: env, sourceId: src, at: now - 15 * MIN + i })),
			...Array.from({ length: 6 }, (_, i) => ({ envId: env, sourceId: src, at: now - 5 * MIN + i })),
			...Array.from({ length: 50 }, (_, i) => ({ envId: env, sourceId: 'src_other', at: now - 5 * MIN + i })) // another source: out of scope
		])
		await t.ctx.ops.alerts.evaluate()
		expect((await ruleNow(ar.id)).last_value).toBe(0.4) // 10 → 6: a 40 % drop
		await t.ctx.ops.rollup.run() // from the minute rollups: the same
		await t.ctx.ops.alerts.evaluate()
		expect((await ruleNow(ar.id)).last_value).toBe(0.4)
		expect(r.received).toHaveLength(0)
		clock.advance(10 * MIN) // current window empty, previous holds the 6: a 100 % drop
		await t.ctx.ops.alerts.evaluate()
		await r.waitFor(1)
		expect(bodies('/hook')[0].alert).toMatchObject({ rule_type: 'volume_drop', value: 1, threshold: 0.5, source_id: src, window_minutes: 10 })
	})

	test('dlq and issue_opened', async () => {
		const dlq = await rule({ name: 'dlq', rule_type: 'dlq', rule_config: { threshold: 1 }, channel_ids: [hook] })
		const opened = await rule({ name: 'issues', rule_type: 'issue_opened', destination_id: dst, channel_ids: [slack] })
		await insertAttempt(rawSql(t.ctx.store), { envId: env, destinationId: dst, at: clock.now() - MIN, ok: false, dlq: true })
		clock.advance(MIN)
		await t.ctx.ops.alerts.evaluate()
		expect(r.received).toHaveLength(0) // one dead letter is not above 1, and no issue yet
		clock.advance(MIN)
		await insertAttempt(rawSql(t.ctx.store), { envId: env, destinationId: dst, at: clock.now() - 1000, ok: false, dlq: true })
		await rawSql(t.ctx.store).run(`INSERT INTO issues (id, org_id, env_id, destination_id, error_type, message, first_seen_at, last_seen_at, created_at, updated_at)
			VALUES ('iss_1', 'org_x', $1, $2, 'http_5xx', 'HTTP 503', $3, $3, $3, $3)`, [env, dst, clock.now() - 1000])
		await t.ctx.ops.alerts.evaluate()
		await r.waitFor(2)
		expect(bodies('/hook')[0].alert).toMatchObject({ rule_id: dlq.id, value: 2 })
		expect(bodies('/slack')[0].text).toBe('Alert triggered: issues: 1 new issue opened')
		clock.advance(MIN) // the same issue is not news twice
		await t.ctx.ops.alerts.evaluate()
		expect((await ruleNow(opened.id)).last_value).toBe(0)
	})

	test('CRUD: PATCH, rule_type fixed, unknown references and bad configs', async () => {
		const ar = await rule({ name: 'x', rule_type: 'dlq', channel_ids: [hook] })
		const patched: Json = await (await t.call('PATCH', `/v1/alert-rules/${ar.id}`, { body: { enabled: false, rule_config: { threshold: 5 }, destination_id: dst, cooldown_minutes: 5 } })).json()
		expect(patched.alert_rule).toMatchObject({ enabled: 0, rule_config: '{"threshold":5}', destination_id: dst, cooldown_minutes: 5 })
		expect((await t.call('PATCH', `/v1/alert-rules/${ar.id}`, { body: { rule_type: 'latency' } })).status).toBe(400)
		expect(((await (await t.call('GET', '/v1/alert-rules')).json()) as Json).alert_rules).toHaveLength(1)
		const bad: [Json, number, string][] = [
			[{ name: 'x', rule_type: 'failure_rate' }, 400, '/rule_config/threshold'],
			[{ name: 'x', rule_type: 'failure_rate', rule_config: { threshold: 150 } }, 400, '/rule_config/threshold'],
			[{ name: 'x', rule_type: 'latency', rule_config: { threshold_ms: 100, percentile_target: 90 } }, 400, 'percentile_target'],
			[{ name: 'x', rule_type: 'dlq', rule_config: { limit: 1 } }, 400, '/rule_config/limit'],
			[{ name: 'x', rule_type: 'sometimes' }, 400, 'rule_type'],
			[{ name: 'x', rule_type: 'dlq', destination_id: 'dst_0123456789abcdef0123456789abcdef' }, 404, 'Destination not found'],
			[{ name: 'x', rule_type: 'failure_rate', rule_config: { threshold: 5 }, source_id: 'src_0123456789abcdef0123456789abcdef' }, 400, '/source_id'],
			[{ name: 'x', rule_type: 'dlq', channel_ids: ['nc_0123456789abcdef0123456789abcdef'] }, 404, 'Notification channel not found']
		]
		for (const [body, status, text] of bad) {
			const res = await t.call('POST', '/v1/alert-rules', { body })
			expect(res.status).toBe(status)
			expect(await res.text()).toContain(text)
		}
		expect(((await (await t.call('DELETE', `/v1/alert-rules/${ar.id}`)).json()) as Json)).toEqual({ success: true })
		expect((await t.call('GET', `/v1/alert-rules/${ar.id}`)).status).toBe(404)
	})
})
