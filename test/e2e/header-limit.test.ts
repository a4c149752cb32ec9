import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rmSync } from 'node:fs'
import { tempDir } from '../helpers'
import { type Harness, startHarness } from './harness'
import { SOURCE_CLI, startProcess } from './process'

/** `n` headers of about 1 KB each. */
function manyHeaders(n: number): Record<string, string> {
	const headers: Record<string, string> = {}
	for (let i = 0; i < n; i++) headers[`x-webhook-meta-${i}`] = 'v'.repeat(1000)
	return headers
}

let h: Harness
beforeAll(async () => {
	h = await startHarness()
})
afterAll(() => h.close())

describe('request header limit', () => {
	it('a webhook with 40 KB of headers is accepted and stored with them (default limit 64 KB)', async () => {
		const s = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name: 'hdr', slug: 'hdr' })
		const res = await fetch(`${h.url}/v1/ingest/${s.body.source.id}`, { method: 'POST', headers: { 'content-type': 'application/json', ...manyHeaders(40) }, body: '{"big":"headers"}' })
		expect(res.status).toBe(200)
		const { event_id } = (await res.json()) as { event_id: string }
		const event = await h.api<{ event: { headers: Record<string, string> } }>('GET', `/v1/events/${event_id}`)
		expect(event.body.event.headers['x-webhook-meta-39']).toBe('v'.repeat(1000))
	})

	it('above the limit the runtime answers 431 itself', async () => {
		const res = await fetch(`${h.url}/healthz`, { headers: manyHeaders(70) })
		expect(res.status).toBe(431)
	})

	it('--max-header-bytes (and its env twin) sets the limit', async () => {
		for (const [args, env] of [[['--max-header-bytes', '20000'], {}], [[], { HOOKSTREAM_MAX_HEADER_BYTES: '20000' }]] as const) {
			const dir = tempDir()
			const server = await startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', ...args], env)
			try {
				expect((await fetch(`${server.url}/healthz`, { headers: manyHeaders(15) })).status).toBe(200)
				expect((await fetch(`${server.url}/healthz`, { headers: manyHeaders(25) })).status).toBe(431)
			} finally {
				await server.stop()
				rmSync(dir, { recursive: true, force: true })
			}
		}
	})
})
