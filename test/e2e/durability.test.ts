import { afterAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers'
import { BACKEND } from '../support/pg'
import { until } from '../support/poll'
import { type Running, run, SOURCE_CLI, startProcess } from './process'

const dirs: string[] = []
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function boot(dir: string) {
	return startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log'])
}

async function setup() {
	const dir = tempDir()
	dirs.push(dir)
	const key = (await run([...SOURCE_CLI, '--create-admin-key', '--data-dir', dir])).stdout.trim().split('\n').at(-1) ?? ''
	return { dir, key }
}

/**
 * `senders` loops call `sendOne` until the server is gone, each keeping what it got a 200 for; once
 * 200 are acknowledged, whatever the machine's speed, the server is killed with SIGKILL under that load.
 */
async function acknowledgedUntilKilled(server: Running, senders: number, sendOne: (w: number, i: number) => Promise<string | null>): Promise<string[]> {
	const acknowledged: string[] = []
	let stop = false
	const loops = Array.from({ length: senders }, async (_, w) => {
		for (let i = 0; !stop; i++) {
			try {
				const acked = await sendOne(w, i)
				if (acked !== null) acknowledged.push(acked)
			} catch {
				return // connection refused or reset: the server is gone
			}
		}
	})
	try {
		await until(() => acknowledged.length >= 200, { what: 'events acknowledged', timeoutMs: 20_000, detail: () => `only ${acknowledged.length}` })
	} finally {
		// Killed in any case: a failed wait must not leave the loops sending into the next tests.
		server.proc.kill('SIGKILL')
		await server.proc.exited
		stop = true
		await Promise.all(loops)
	}
	return acknowledged
}

const api = (url: string, key: string) => ({
	async post(path: string, body: unknown) {
		return fetch(`${url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) })
	},
	async get(path: string) {
		return fetch(`${url}${path}`, { headers: { 'x-api-key': key } })
	}
})

// SQLite's restart and kill -9 in one data dir; on PostgreSQL the two-instance pg-crash.test.ts does this.
describe.skipIf(BACKEND === 'postgres')('durability', () => {
	it('events and dedup state survive a restart', async () => {
		const { dir, key } = await setup()
		let server = await boot(dir)
		const created = await api(server.url, key).post('/v1/sources', { name: 'r', slug: 'r', dedup_strategy: 'payload_hash', dedup_window_seconds: 3600 })
		const id = ((await created.json()) as { source: { id: string } }).source.id
		const first = await fetch(`${server.url}/v1/ingest/${id}`, { method: 'POST', body: '{"order":1}' })
		const firstId = ((await first.json()) as { event_id: string }).event_id
		expect(await server.stop()).toBe(0)

		server = await boot(dir)
		const c = api(server.url, key)
		expect((await c.get(`/v1/events/${firstId}`)).status).toBe(200)
		const again = await fetch(`${server.url}/v1/ingest/${id}`, { method: 'POST', body: '{"order":1}' })
		const againId = ((await again.json()) as { event_id: string }).event_id
		const e = ((await (await c.get(`/v1/events/${againId}`)).json()) as { event: { dedup_status: string } }).event
		expect(e.dedup_status).toBe('duplicate')
		const src = ((await (await c.get(`/v1/sources/${id}`)).json()) as { source: { event_count: number } }).source
		expect(src.event_count).toBe(2)
		await server.stop()
	})

	it('every event answered 200 is stored after kill -9', async () => {
		const { dir, key } = await setup()
		let server = await boot(dir)
		const created = await api(server.url, key).post('/v1/sources', { name: 'k', slug: 'k' })
		const id = ((await created.json()) as { source: { id: string } }).source.id
		// 16 concurrent senders until the kill; each keeps only ids it got a 200 for.
		const acknowledged = await acknowledgedUntilKilled(server, 16, async (w, i) => {
			const res = await fetch(`${server.url}/v1/ingest/${id}`, { method: 'POST', body: JSON.stringify({ w, i, pad: 'x'.repeat(512) }) })
			return res.status === 200 ? ((await res.json()) as { event_id: string }).event_id : null
		})
		expect(acknowledged.length).toBeGreaterThan(100)

		server = await boot(dir)
		const c = api(server.url, key)
		const missing: string[] = []
		for (const eventId of acknowledged) {
			if ((await c.get(`/v1/events/${eventId}`)).status !== 200) missing.push(eventId)
		}
		expect({ acknowledged: acknowledged.length, missing }).toEqual({ acknowledged: acknowledged.length, missing: [] })
		await server.stop()
	}, 60000)

	it('every dedup key answered 200 before kill -9 still catches its twin after the restart', async () => {
		const { dir, key } = await setup()
		let server = await boot(dir)
		const created = await api(server.url, key).post('/v1/sources', { name: 'd', slug: 'd', dedup_enabled: true, dedup_strategy: 'header_field', dedup_field: 'x-delivery-id', dedup_window_seconds: 3600 })
		const id = ((await created.json()) as { source: { id: string } }).source.id
		const send = (url: string, delivery: string) => fetch(`${url}/v1/ingest/${id}`, { method: 'POST', headers: { 'x-delivery-id': delivery }, body: '{"same":"body"}' })
		// Keys are held in memory and logged (src/events/repo-dedup.ts): the log is all a restart has.
		const acknowledged = await acknowledgedUntilKilled(server, 8, async (w, i) => ((await send(server.url, `d-${w}-${i}`)).status === 200 ? `d-${w}-${i}` : null))

		server = await boot(dir)
		const c = api(server.url, key)
		const missed: string[] = []
		for (const delivery of acknowledged) {
			const res = await send(server.url, delivery)
			expect(res.status).toBe(200)
			const eventId = ((await res.json()) as { event_id: string }).event_id
			const e = ((await (await c.get(`/v1/events/${eventId}`)).json()) as { event: { dedup_status: string } }).event
			if (e.dedup_status !== 'duplicate') missed.push(delivery)
		}
		expect({ acknowledged: acknowledged.length, missed }).toEqual({ acknowledged: acknowledged.length, missed: [] })
		// A key never sent is still new.
		const freshRes = await send(server.url, 'never-sent')
		expect(freshRes.status).toBe(200)
		const fresh = ((await freshRes.json()) as { event_id: string }).event_id
		expect((((await (await c.get(`/v1/events/${fresh}`)).json()) as { event: { dedup_status: string } }).event).dedup_status).toBe('unique')
		await server.stop()
	}, 60000)
})
