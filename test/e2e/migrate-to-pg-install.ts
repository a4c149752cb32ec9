import { expect } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { type Running, SOURCE_CLI, startProcess } from './process'
import type { Receiver } from './receiver'
import { signGithub } from './signers'
import { until } from '../support/poll'

/**
 * An SQLite install built the way users build one, through a real server process and its API:
 * a signed source, an unsigned one, a destination with credentials, connections, events (JSON, a
 * large binary body, a small binary one), deliveries with a failed and a retried attempt, an owner
 * account signed in, a notification channel with a sealed secret. Then the server stops.
 */
export const ADMIN_KEY = `hs_live_${'ef'.repeat(32)}`
export const OWNER = { email: 'owner@example.com', password: 'moved-to-postgres-1' }
export const GITHUB_SECRET = 'It\'s a Secret to Everybody'
export const BEARER = 'tok_moved_123456'

export interface Install {
	signedSourceId: string
	plainSourceId: string
	eventIds: string[]
	/** Raw body per event id, as sent. */
	bodies: Map<string, Uint8Array>
	/** Cookie of a session opened on SQLite. */
	cookie: string
	/** GET path → the SQLite server's JSON answer. */
	answers: Map<string, unknown>
}

export const serveArgs = (dir: string, extra: string[] = []) => [
	...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', '--allow-private-destinations', '--retry-unit-ms', '10', '--public-url', 'https://hooks.example.com', ...extra
]

export function api(url: string, headers: Record<string, string> = { 'x-api-key': ADMIN_KEY }) {
	return async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
		const res = await fetch(`${url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
		return { status: res.status, json: (await res.json()) as T }
	}
}

export async function signIn(url: string): Promise<{ status: number; cookie: string }> {
	const res = await fetch(`${url}/api/auth/sign-in/email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OWNER) })
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='))
	return { status: res.status, cookie: (cookie ?? '').split(';')[0] as string }
}

async function ingest(url: string, sourceId: string, body: Uint8Array, headers: Record<string, string>): Promise<string> {
	const res = await fetch(`${url}/v1/ingest/${sourceId}`, { method: 'POST', headers, body })
	expect(res.status).toBe(200)
	return ((await res.json()) as { event_id: string }).event_id
}

/** Creates the resources; returns ids. */
async function resources(url: string, receiverUrl: string) {
	const call = api(url)
	const signed = await call<{ source: { id: string } }>('POST', '/v1/sources', { name: 'GitHub', slug: 'github', template: 'github', verification_secret: GITHUB_SECRET })
	const plain = await call<{ source: { id: string } }>('POST', '/v1/sources', { name: 'Binary', slug: 'binary' })
	const dest = await call<{ destination: { id: string } }>('POST', '/v1/destinations', {
		name: 'Receiver', slug: 'receiver', url: receiverUrl, auth_type: 'bearer', auth_config: { token: BEARER }, retry_intervals: [1]
	})
	const channel = await call('POST', '/v1/notification-channels', { name: 'ops', channel_type: 'webhook', config: { url: receiverUrl, secret: 'channel-secret-1' } })
	expect([signed.status, plain.status, dest.status, channel.status]).toEqual([201, 201, 201, 201])
	for (const [name, source] of [['signed', signed], ['plain', plain]] as const) {
		const c = await call('POST', '/v1/connections', { name, source_id: source.json.source.id, destination_id: dest.json.destination.id })
		expect(c.status).toBe(201)
	}
	return { signedSourceId: signed.json.source.id, plainSourceId: plain.json.source.id }
}

/** Paths whose answers must be the same after the move. */
export function answerPaths(install: Pick<Install, 'signedSourceId' | 'plainSourceId' | 'eventIds'>): string[] {
	return [
		'/v1/sources', `/v1/sources/${install.signedSourceId}`, '/v1/destinations', '/v1/connections', '/v1/notification-channels',
		'/v1/events?limit=100', `/v1/events?source_id=${install.plainSourceId}`, ...install.eventIds.map((id) => `/v1/events/${id}`),
		'/v1/delivery-attempts?limit=100', '/v1/issues'
	]
}

/** `rx` receives the deliveries (its first answer is a 500); it outlives the SQLite server. */
export async function buildInstall(dir: string, rx: Receiver): Promise<Install> {
	rx.script({ status: 500, body: 'first try fails' })
	const server: Running = await startProcess(serveArgs(dir), { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY, HOOKSTREAM_ADMIN_EMAIL: OWNER.email, HOOKSTREAM_ADMIN_PASSWORD: OWNER.password })
	try {
		const ids = await resources(server.url, rx.url)
		const bodies = new Map<string, Uint8Array>()
		const github = await signGithub(GITHUB_SECRET, `${server.url}/v1/ingest/${ids.signedSourceId}`)
		bodies.set(await ingest(server.url, ids.signedSourceId, github.body, github.headers), github.body)
		// Past the inline threshold (its own table) and under it, neither valid UTF-8.
		for (const size of [300_000, 2_000]) {
			const body = new Uint8Array(randomBytes(size))
			body.set([0x00, 0xff, 0xfe], 0)
			bodies.set(await ingest(server.url, ids.plainSourceId, body, { 'content-type': 'application/octet-stream' }), body)
		}
		// 3 events, one failed attempt and its retry: 4 attempts recorded.
		await until(async () => (await api(server.url)<{ delivery_attempts: unknown[] }>('GET', '/v1/delivery-attempts?limit=100')).json.delivery_attempts.length >= 4, { what: '4 delivery attempts', timeoutMs: 15_000 })
		const { status, cookie } = await signIn(server.url)
		expect(status).toBe(200)
		const install = { ...ids, eventIds: [...bodies.keys()], bodies, cookie, answers: new Map<string, unknown>() }
		for (const path of answerPaths(install)) {
			const res = await api(server.url)('GET', path)
			expect(res.status).toBe(200)
			install.answers.set(path, res.json)
		}
		return install
	} finally {
		expect(await server.stop()).toBe(0)
	}
}
