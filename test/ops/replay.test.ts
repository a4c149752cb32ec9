import { afterAll, afterEach, describe, expect, test } from 'bun:test'
import { rmSync } from 'node:fs'
import { type Harness, pipeline, startHarness } from '../e2e/harness'
import { run, SOURCE_CLI, startProcess } from '../e2e/process'
import { Receiver } from '../e2e/receiver'
import { tempDir } from '../helpers'
import { rawSql } from '../support/raw-sql'

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by value
type Json = any
let h: Harness | null = null
let r: Receiver | null = null
const dirs: string[] = []
afterEach(async () => {
	await h?.close()
	await r?.stop()
	h = null
	r = null
})
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const eventIdOf = (x: { headers: Record<string, string> }) => x.headers['x-hookstream-event-id']

/** The largest number of `times` inside any window of `ms`. */
function busiest(times: number[], ms: number): number {
	let best = 0
	for (let i = 0; i < times.length; i++) best = Math.max(best, times.filter((t) => t >= (times[i] as number) && t < (times[i] as number) + ms).length)
	return best
}

describe('replay', () => {
	test('re-delivers exactly the matching events of the range, at no more than the rate', async () => {
		h = await startHarness()
		r = new Receiver()
		const p = await pipeline(h, 'rp', { url: `${r.url}/in` }, { filter_rules: [{ field: 'payload.kind', op: 'neq', value: 'internal' }] })
		for (let i = 0; i < 3; i++) await h.send(p.sourceId, JSON.stringify({ kind: 'order', n: `before-${i}` }))
		await Bun.sleep(5)
		const from = new Date().toISOString()
		const inRange: string[] = []
		for (let i = 0; i < 12; i++) {
			const kind = i % 3 === 0 ? 'refund' : i % 3 === 1 ? 'order' : 'internal'
			const id = await h.send(p.sourceId, JSON.stringify({ kind, n: i }))
			if (kind === 'order') inRange.push(id)
		}
		const to = new Date().toISOString()
		await Bun.sleep(5)
		for (let i = 0; i < 3; i++) await h.send(p.sourceId, JSON.stringify({ kind: 'order', n: `after-${i}` }))
		await r.waitFor(14) // 18 sent, 4 internal ones filtered by the connection
		const initial = r.received.length

		const res = await h.api<Json>('POST', '/v1/replay', { destination_id: p.destinationId, from, to, filter: { 'payload.kind': 'order' }, rate_limit: 5 })
		expect(res.status).toBe(201)
		const job = res.body.job
		expect(job).toMatchObject({ status: 'running', total: 4, destination_id: p.destinationId, rate_limit: 5, max_events: 1000 })
		expect(job.id).toMatch(/^rpl_[0-9a-f]{32}$/)
		const done = await h.until(async () => {
			const j = (await h?.api<Json>('GET', `/v1/replay/${job.id}`))?.body.job
			return j?.status === 'completed' ? j : undefined
		})
		expect(done).toMatchObject({ total: 4, enqueued: 4, processed: 4, succeeded: 4, failed: 0, skipped: 0 })
		expect(done.completed_at).not.toBeNull()
		const replays = r.received.slice(initial)
		expect(replays.map(eventIdOf).sort()).toEqual([...inRange].sort())
		// 4 events at 5/s: slots 200 ms apart, so the first and last are ≥ 600 ms apart.
		const times = replays.map((x) => x.at)
		expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThanOrEqual(550)
		expect(busiest(times, 1000)).toBeLessThanOrEqual(5)
		const attempts = (await h.api<Json>('GET', `/v1/delivery-attempts?event_id=${inRange[0]}`)).body
		expect(JSON.stringify(attempts)).toContain('"trigger_type":"replay"')
		expect((await h.api<Json>('GET', '/v1/replay')).body.jobs.map((j: Json) => j.id)).toEqual([job.id])
	}, 20000)

	test('cancel stops it; bad bodies and unknown ids are refused', async () => {
		h = await startHarness()
		r = new Receiver()
		const p = await pipeline(h, 'rc', { url: `${r.url}/in` })
		const from = new Date(Date.now() - 1000).toISOString()
		for (let i = 0; i < 10; i++) await h.send(p.sourceId, JSON.stringify({ n: i }))
		await r.waitFor(10)
		const job = (await h.api<Json>('POST', '/v1/replay', { destination_id: p.destinationId, from, to: new Date().toISOString(), rate_limit: 2 })).body.job
		await r.waitFor(11)
		const cancelled = await h.api<Json>('DELETE', `/v1/replay/${job.id}`)
		expect(cancelled.status).toBe(200)
		expect(cancelled.body.job.status).toBe('cancelled')
		const sent = r.received.length
		// Nothing of the job is left to send: its queued rows went with the cancel, a runner pass adds none, and once
		// the worker has settled (everything due sent and recorded) at most the one already in flight has arrived.
		await h.server.ctx.ops.replay.tick()
		await h.server.ctx.worker.settled()
		expect(await rawSql(h.server.ctx.store).all("SELECT id FROM deliveries WHERE destination_id = $1 AND trigger_type = 'replay' AND state IN ('queued', 'leased')", [p.destinationId])).toEqual([])
		expect(r.received.length).toBeLessThanOrEqual(sent + 1)
		expect(r.received.length - 10).toBeLessThan(10)
		expect((await h.api('DELETE', `/v1/replay/${job.id}`)).status).toBe(400)

		const bad: [Json, number][] = [
			[{ destination_id: p.destinationId, from: 'yesterday', to: new Date().toISOString() }, 400],
			[{ destination_id: p.destinationId, from, to: new Date().toISOString(), rate_limit: 101 }, 400],
			[{ destination_id: p.destinationId, from, to: new Date().toISOString(), max_events: 10001 }, 400],
			[{ destination_id: p.destinationId, from, to: new Date().toISOString(), filter: [{ field: 'nope', op: 'eq', value: 1 }] }, 400],
			[{ destination_id: p.destinationId, from: to2000(), to: to2000() }, 404],
			[{ destination_id: 'dst_0123456789abcdef0123456789abcdef', from, to: new Date().toISOString() }, 404]
		]
		for (const [body, status] of bad) {
			const res = await h.api<Json>('POST', '/v1/replay', body)
			expect(res.status).toBe(status)
			expect(res.body.request_id).toMatch(/^req_/)
		}
		expect((await h.api('GET', '/v1/replay/rpl_0123456789abcdef0123456789abcdef')).status).toBe(404)
	}, 20000)

	test('a job resumes where it was after kill -9', async () => {
		const dir = tempDir()
		dirs.push(dir)
		r = new Receiver()
		const key = (await run([...SOURCE_CLI, '--create-admin-key', '--data-dir', dir])).stdout.trim().split('\n').at(-1) ?? ''
		const boot = () => startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', '--allow-private-destinations', '--retry-unit-ms', '1'])
		const call = async (url: string, method: string, path: string, body?: unknown): Promise<Json> =>
			(await fetch(`${url}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json()
		let server = await boot()
		const src = (await call(server.url, 'POST', '/v1/sources', { name: 'k', slug: 'k' })).source.id
		const dst = (await call(server.url, 'POST', '/v1/destinations', { name: 'k', slug: 'k', url: `${r.url}/in` })).destination.id
		await call(server.url, 'POST', '/v1/connections', { name: 'k', source_id: src, destination_id: dst })
		const from = new Date(Date.now() - 1000).toISOString()
		const ids: string[] = []
		for (let i = 0; i < 12; i++) ids.push((await (await fetch(`${server.url}/v1/ingest/${src}`, { method: 'POST', body: JSON.stringify({ i }) })).json() as Json).event_id)
		await r.waitFor(12)
		const job = (await call(server.url, 'POST', '/v1/replay', { destination_id: dst, from, to: new Date().toISOString(), rate_limit: 4 })).job
		await r.waitFor(15)
		server.proc.kill('SIGKILL')
		await server.proc.exited
		const beforeRestart = r.received.length
		expect(beforeRestart).toBeLessThan(24) // it really was cut off part-way

		server = await boot()
		let final: Json
		for (const started = Date.now(); Date.now() - started < 15000; await Bun.sleep(50)) {
			final = (await call(server.url, 'GET', `/v1/replay/${job.id}`)).job
			if (final.status === 'completed') break
		}
		expect(final).toMatchObject({ status: 'completed', total: 12, enqueued: 12, succeeded: 12, failed: 0 })
		const replayed = r.received.slice(12).map(eventIdOf)
		expect(new Set(replayed)).toEqual(new Set(ids)) // every event replayed…
		expect(replayed.length).toBeLessThanOrEqual(13) // …once, or twice for the one in flight at the kill
		await server.stop()
	}, 40000)
})

function to2000(): string {
	return '2000-01-01T00:00:00.000Z'
}
