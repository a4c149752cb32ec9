import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Config, resolveConfig } from '../src/config'
import { type AppContext, createContext } from '../src/context'
import { createApp } from '../src/http/app'
import type { Clock } from '../src/lib/clock'

export function tempDir(prefix = 'hookstream-test-'): string {
	return mkdtempSync(join(tmpdir(), prefix))
}

export interface TestApp {
	ctx: AppContext
	app: ReturnType<typeof createApp>
	dir: string
	/** A valid API key of the default environment. */
	key: string
	/** Sends a request through `app.handle` (no socket). JSON bodies are serialised. */
	call(method: string, path: string, opts?: { body?: unknown; key?: string | null; headers?: Record<string, string> }): Promise<Response>
	close(): Promise<void>
}

export async function makeTestApp(flags: Record<string, string | boolean> = {}, clock?: Clock): Promise<TestApp> {
	const dir = tempDir()
	const config: Config = resolveConfig({ 'data-dir': dir, 'log-level': 'silent', ...flags }, {})
	const ctx = createContext(config, clock ? { clock } : {})
	const app = createApp(ctx)
	const { key } = await ctx.keys.createKey('test')
	return {
		ctx, app, dir, key,
		call(method, path, opts = {}) {
			const headers: Record<string, string> = { ...opts.headers }
			const k = opts.key === undefined ? key : opts.key
			if (k !== null) headers['x-api-key'] ??= k
			let body: string | undefined
			if (opts.body !== undefined) {
				body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
				headers['content-type'] ??= 'application/json'
			}
			return app.handle(new Request(`http://localhost${path}`, { method, headers, body }))
		},
		async close() {
			await ctx.close()
			rmSync(dir, { recursive: true, force: true })
		}
	}
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
