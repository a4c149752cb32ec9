import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Config, resolveConfig } from '../src/config'
import { type AppContext, createContext } from '../src/context'
import { createApp } from '../src/http/app'
import { createFetch } from '../src/http/server'
import type { Clock } from '../src/lib/clock'
import { createTestDatabase, TEST_ENCRYPTION_KEY, TEST_PG_URL, type TestDatabase } from './support/pg'

export function tempDir(prefix = 'hookstream-test-'): string {
	return mkdtempSync(join(tmpdir(), prefix))
}

export interface TestApp {
	ctx: AppContext
	app: ReturnType<typeof createApp>
	dir: string
	/** A valid API key of the default environment. */
	key: string
	/**
	 * Sends a request through the server's fetch handler (no socket): ingest takes
	 * its fast path, everything else goes to `app.handle`. Objects are sent as JSON;
	 * `peerIp` plays the socket's remote address.
	 */
	call(method: string, path: string, opts?: { body?: unknown; key?: string | null; headers?: Record<string, string>; peerIp?: string }): Promise<Response>
	close(): Promise<void>
}

export async function makeTestApp(flags: Record<string, string | boolean> = {}, clock?: Clock): Promise<TestApp> {
	const dir = tempDir()
	// The conformance run (HOOKSTREAM_TEST_DATABASE_URL): the same test on a fresh PostgreSQL database.
	const pg: TestDatabase | null = TEST_PG_URL && flags['database-url'] === undefined ? await createTestDatabase({ migrated: true }) : null
	const backend = pg ? { 'database-url': pg.url, 'encryption-key': TEST_ENCRYPTION_KEY } : {}
	const config: Config = resolveConfig({ 'data-dir': dir, 'log-level': 'silent', ...backend, ...flags }, {})
	const ctx = await createContext(config, clock ? { clock } : {})
	const app = createApp(ctx)
	const fetch = createFetch(ctx, app)
	const { key } = await ctx.keys.createKey('test')
	return {
		ctx, app, dir, key,
		async call(method, path, opts = {}) {
			const headers: Record<string, string> = { ...opts.headers }
			const k = opts.key === undefined ? key : opts.key
			if (k !== null) headers['x-api-key'] ??= k
			let body: string | Uint8Array | undefined
			if (opts.body !== undefined) {
				body = typeof opts.body === 'string' || opts.body instanceof Uint8Array ? opts.body : JSON.stringify(opts.body)
				if (!(opts.body instanceof Uint8Array)) headers['content-type'] ??= 'application/json'
			}
			const server = { requestIP: () => ({ address: opts.peerIp ?? '127.0.0.1', family: 'IPv4', port: 40000 }) }
			const res = await fetch(new Request(`http://localhost${path}`, { method, headers, body }), server as never)
			if (!res) throw new Error('unexpected WebSocket upgrade in an HTTP test')
			return res
		},
		async close() {
			await ctx.close()
			await pg?.drop()
			rmSync(dir, { recursive: true, force: true })
		}
	}
}

/** Creates a source through the API (its name defaults to its slug) and returns its id; any status but 201 throws. */
export async function createSourceId(t: TestApp, body: Record<string, unknown>): Promise<string> {
	const res = await t.call('POST', '/v1/sources', { body: { name: String(body.slug), ...body } })
	if (res.status !== 201) throw new Error(`create source: ${res.status} ${await res.text()}`)
	return ((await res.json()) as { source: { id: string } }).source.id
}

/** The seed's request body with valid values. */
export function seedBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		name: 'Stripe production',
		slug: 'stripe-prod',
		description: 'Payments webhooks',
		template: 'stripe',
		type: 'http',
		source_config: {},
		verification_enabled: true,
		verification_type: 'stripe',
		verification_secret: 'whsec_test_secret_1234',
		verification_header: 'Stripe-Signature',
		dedup_enabled: true,
		dedup_strategy: 'body_field',
		dedup_field: 'id',
		dedup_window_seconds: 300,
		ip_allowlist: ['0.0.0.0/0', '::/0'],
		ip_denylist: ['203.0.113.7'],
		...overrides
	}
}

/** A key for a second organization + environment, to prove tenants cannot see each other. */
export async function otherTenantKey(t: TestApp): Promise<{ key: string; orgId: string; envId: string }> {
	const { newPlaintextKey } = await import('../src/auth/service')
	const { newApiKeyId, newId } = await import('../src/lib/ids')
	const { sha256Hex } = await import('../src/lib/crypto')
	const env = await t.ctx.store.tenancy.ensureDefault({ orgId: newId('org'), envId: newId('env') }, { org: 'Other', env: 'Other', envSlug: `other-${Date.now()}` }, Date.now())
	const key = newPlaintextKey()
	await t.ctx.store.apiKeys.insert({ id: newApiKeyId(), org_id: env.org_id, env_id: env.id, name: 'other', key_hash: sha256Hex(key), key_prefix: key.slice(0, 12), created_at: Date.now() })
	return { key, orgId: env.org_id, envId: env.id }
}
