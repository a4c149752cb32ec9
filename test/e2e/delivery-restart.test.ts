import { afterAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers'
import { run, SOURCE_CLI, startProcess } from './process'
import { Receiver } from './receiver'

const dirs: string[] = []
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function setup() {
	const dir = tempDir()
	dirs.push(dir)
	const key = (await run([...SOURCE_CLI, '--create-admin-key', '--data-dir', dir])).stdout.trim().split('\n').at(-1) ?? ''
	const boot = (extra: string[] = []) => startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', '--allow-private-destinations', ...extra])
	return { dir, key, boot }
}

function client(url: string, key: string) {
	return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
		const res = await fetch(`${url}${path}`, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
		return (await res.json()) as T
	}
}

async function connect(url: string, key: string, receiverUrl: string, destination: Record<string, unknown> = {}) {
	const api = client(url, key)
	const s = await api<{ source: { id: string } }>('POST', '/v1/sources', { name: 's', slug: 's' })
	const d = await api<{ destination: { id: string } }>('POST', '/v1/destinations', { name: 'd', slug: 'd', url: receiverUrl, ...destination })
	await api('POST', '/v1/connections', { name: 'c', source_id: s.source.id, destination_id: d.destination.id })
	return s.source.id
}

describe('delivery across restarts', () => {
	it('a retry scheduled before a restart happens after it', async () => {
		const { key, boot } = await setup()
		const rx = new Receiver().script({ status: 500 })
		let server = await boot(['--retry-unit-ms', '1000'])
		const sourceId = await connect(server.url, key, rx.url, { retry_intervals: [2] })
		const res = await fetch(`${server.url}/v1/ingest/${sourceId}`, { method: 'POST', body: '{"n":1}' })
		const eventId = ((await res.json()) as { event_id: string }).event_id
		await rx.waitFor(1)
		// The failure is recorded (so the retry is scheduled) before the stop...
		const api = client(server.url, key)
		for (const started = Date.now(); (await api<{ delivery_attempts: unknown[] }>('GET', `/v1/delivery-attempts?event_id=${eventId}`)).delivery_attempts.length === 0; ) {
			if (Date.now() - started > 5000) throw new Error('first attempt not recorded')
			await Bun.sleep(20)
		}
		expect(await server.stop()).toBe(0)
		// ...and the retry, due 2 s after the first attempt, was not sent before it: only the next process can send it.
		expect(rx.received).toHaveLength(1)
		server = await boot(['--retry-unit-ms', '1000'])
		await rx.waitFor(2, 10000)
		expect(rx.received[1]?.headers['x-hookstream-event-id']).toBe(eventId)
		expect(rx.received[1]?.headers['x-hookstream-delivery-attempt']).toBe('2')
		expect(rx.received[1]!.at - rx.received[0]!.at).toBeGreaterThanOrEqual(1900)
		await server.stop()
		await rx.stop()
	}, 30000)

	it('kill -9 with deliveries in flight: every acknowledged event is delivered after restart', async () => {
		const { key, boot } = await setup()
		// The receiver holds every answer past the kill: attempts are in flight, none is acknowledged.
		const rx = new Receiver().otherwise({ status: 200, delayMs: 30000 })
		let server = await boot()
		const sourceId = await connect(server.url, key, rx.url)
		const acknowledged: string[] = []
		for (let i = 0; i < 200; i++) {
			const res = await fetch(`${server.url}/v1/ingest/${sourceId}`, { method: 'POST', body: JSON.stringify({ i }) })
			acknowledged.push(((await res.json()) as { event_id: string }).event_id)
		}
		await rx.waitFor(1) // at least one attempt is in flight
		server.proc.kill('SIGKILL')
		await server.proc.exited
		const inFlight = rx.received.length
		expect(inFlight).toBeGreaterThan(0)
		expect(inFlight).toBeLessThan(acknowledged.length) // per-destination concurrency caps what was in flight
		rx.otherwise({ status: 200 })
		server = await boot()
		// Nothing was answered before the kill, so every acknowledged event must arrive again after the restart.
		await rx.waitFor(inFlight + acknowledged.length, 20000)
		const delivered = new Set(rx.received.slice(inFlight).map((r) => r.headers['x-hookstream-event-id']))
		expect(acknowledged.filter((id) => !delivered.has(id))).toEqual([])
		await server.stop()
		await rx.stop()
	}, 40000)

	it('SIGTERM lets in-flight attempts finish and releases the rest', async () => {
		const { key, boot } = await setup()
		const rx = new Receiver().otherwise({ status: 200, delayMs: 300 })
		let server = await boot()
		const sourceId = await connect(server.url, key, rx.url)
		const ids: string[] = []
		for (let i = 0; i < 20; i++) {
			const res = await fetch(`${server.url}/v1/ingest/${sourceId}`, { method: 'POST', body: JSON.stringify({ i }) })
			ids.push(((await res.json()) as { event_id: string }).event_id)
		}
		await rx.waitFor(1)
		expect(await server.stop('SIGTERM')).toBe(0)
		// At most one batch (destination concurrency 8) was in flight; the rest was released, not sent.
		expect(rx.received.length).toBeLessThan(ids.length)
		server = await boot()
		await rx.waitFor(ids.length, 20000)
		const api = client(server.url, key)
		const start = Date.now()
		for (const id of ids) {
			while ((await api<{ event: { status: string } }>('GET', `/v1/events/${id}`)).event.status !== 'delivered') {
				if (Date.now() - start > 10000) throw new Error(`event ${id} not delivered`)
				await Bun.sleep(20)
			}
		}
		expect(rx.received).toHaveLength(ids.length)
		for (const id of ids) {
			const attempts = await api<{ delivery_attempts: { status: string }[] }>('GET', `/v1/delivery-attempts?event_id=${id}`)
			// Exactly one recorded attempt each: nothing double-counted across the stop.
			expect(attempts.delivery_attempts.map((a) => a.status)).toEqual(['success'])
		}
		await server.stop()
		await rx.stop()
	}, 40000)
})
