import { rmSync } from 'node:fs'
import { type RunningServer, startServer } from '../../src/cli/serve'
import { resolveConfig } from '../../src/config'
import type { Injected } from '../../src/context'
import { tempDir } from '../helpers'
import { createTestDatabase, TEST_ENCRYPTION_KEY, TEST_PG_URL } from '../support/pg'
import { until } from '../support/poll'

/**
 * A real hookstream server (sockets, worker, SQLite in a temp dir or PostgreSQL in the conformance run) in this
 * process, with an admin key and small JSON helpers for its API.
 */
export interface Harness {
	server: RunningServer
	url: string
	key: string
	dir: string
	/** The PostgreSQL database the server runs on (the conformance run), or null on SQLite in `dir`. */
	databaseUrl: string | null
	api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>
	/** POSTs to a source's ingest URL; returns the event id. */
	send(sourceId: string, body: string, headers?: Record<string, string>): Promise<string>
	/** Polls until `check` returns a value other than undefined, null or false (test/support/poll.ts). */
	until<T>(check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>
	close(): Promise<void>
}

export async function startHarness(flags: Record<string, string | boolean> = {}, inject: Injected = {}): Promise<Harness> {
	const dir = tempDir('hookstream-e2e-')
	// The conformance run (HOOKSTREAM_TEST_DATABASE_URL): the same server on a fresh PostgreSQL database.
	const pg = TEST_PG_URL && flags['database-url'] === undefined ? await createTestDatabase({ migrated: true }) : null
	const backend = pg ? { 'database-url': pg.url, 'encryption-key': TEST_ENCRYPTION_KEY } : {}
	const config = resolveConfig({ port: '0', host: '127.0.0.1', 'data-dir': dir, 'log-level': 'error', 'allow-private-destinations': true, 'retry-unit-ms': '1', ...backend, ...flags }, {})
	const server = await startServer(config, undefined, {}, inject)
	const { key } = await server.ctx.keys.createKey('e2e')
	const url = server.url
	const h: Harness = {
		server, url, key, dir,
		databaseUrl: config.databaseUrl,
		async api(method, path, body) {
			const res = await fetch(`${url}${path}`, { method, headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
			return { status: res.status, body: (await res.json()) as never }
		},
		async send(sourceId, body, headers = {}) {
			const res = await fetch(`${url}/v1/ingest/${sourceId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
			if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
			return ((await res.json()) as { event_id: string }).event_id
		},
		until: (check, timeoutMs = 10000) => until(check, { timeoutMs, everyMs: 20 }),
		async close() {
			await server.stop()
			await pg?.drop()
			rmSync(dir, { recursive: true, force: true })
		}
	}
	return h
}

/** Creates a source, a destination and a connection between them; returns their ids. */
export async function pipeline(h: Harness, name: string, destination: Record<string, unknown>, connection: Record<string, unknown> = {}, source: Record<string, unknown> = {}) {
	const s = await h.api<{ source: { id: string } }>('POST', '/v1/sources', { name, slug: `${name}-src`, ...source })
	const d = await h.api<{ destination: { id: string } }>('POST', '/v1/destinations', { name, slug: `${name}-dst`, ...destination })
	if (d.status !== 201) throw new Error(`destination: ${JSON.stringify(d.body)}`)
	const c = await h.api<{ connection: { id: string } }>('POST', '/v1/connections', { name, source_id: s.body.source.id, destination_id: d.body.destination.id, ...connection })
	if (c.status !== 201) throw new Error(`connection: ${JSON.stringify(c.body)}`)
	return { sourceId: s.body.source.id, destinationId: d.body.destination.id, connectionId: c.body.connection.id }
}
