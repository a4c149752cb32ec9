import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, it } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS } from '../../src/db/migrate'
import { tempDir } from '../helpers'
import { BACKEND } from '../support/pg'
import { run, SOURCE_CLI, startProcess } from './process'

/** Secrets at rest across restarts: the generated secret.key, --encryption-key, and a wrong key. */
const dirs: string[] = []
afterAll(() => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function freshDir(): string {
	const d = tempDir('hookstream-key-')
	dirs.push(d)
	return d
}

const ADMIN_KEY = `hs_live_${'cd'.repeat(32)}`
const serve = (dir: string, extra: string[] = []) =>
	startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', ...extra], { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY })
const api = async <T>(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
	const res = await fetch(`${url}${path}`, { method, headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
	return { status: res.status, body: (await res.json()) as T }
}
// printf '%s' 'hook:s3cret-pass' | base64
const BASIC = 'Basic aG9vazpzM2NyZXQtcGFzcw=='

/** Stores a source secret and a destination credential; returns their ids. */
async function storeSecrets(url: string) {
	const s = await api<{ source: { id: string } }>(url, 'POST', '/v1/sources', { name: 'k', slug: 'k', verification_enabled: true, verification_type: 'basic_auth', verification_secret: 'hook:s3cret-pass' })
	const d = await api<{ destination: { id: string } }>(url, 'POST', '/v1/destinations', { name: 'k', slug: 'k', url: 'https://example.com/hook', auth_type: 'bearer', auth_config: { token: 'tok_at_rest_123456' } })
	expect([s.status, d.status]).toEqual([201, 201])
	return { sourceId: s.body.source.id, destinationId: d.body.destination.id }
}

/** The secrets still open: masked reads answer, and the source secret still verifies a request. */
async function expectReadable(url: string, ids: { sourceId: string; destinationId: string }) {
	const s = await api<{ source: { verification_secret: string } }>(url, 'GET', `/v1/sources/${ids.sourceId}`)
	expect(s.status).toBe(200)
	expect(s.body.source.verification_secret).toBe('****pass')
	const d = await api<{ destination: { auth_config: Record<string, string> } }>(url, 'GET', `/v1/destinations/${ids.destinationId}`)
	expect(d.status).toBe(200)
	expect(JSON.stringify(d.body.destination.auth_config)).not.toContain('tok_at_rest')
	const ok = await fetch(`${url}/v1/ingest/${ids.sourceId}`, { method: 'POST', headers: { authorization: BASIC }, body: '{}' })
	expect(ok.status).toBe(200)
	const bad = await fetch(`${url}/v1/ingest/${ids.sourceId}`, { method: 'POST', headers: { authorization: 'Basic aG9vazp3cm9uZw==' }, body: '{}' })
	expect(bad.status).toBe(401)
}

/** A start that must fail: exit 2, one line on stderr naming the key, no stack trace. */
async function expectKeyRefused(dir: string, extra: string[]) {
	const out = await run([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', ...extra], { HOOKSTREAM_ADMIN_KEY: ADMIN_KEY })
	expect(out.code).toBe(2)
	const lines = out.stderr.trim().split('\n')
	expect(lines).toHaveLength(1)
	expect(lines[0]).toStartWith('hookstream: the encryption key cannot open the secrets stored in')
	expect(out.stderr).not.toMatch(/\bat .*\.ts:\d+/)
	expect(out.stdout).not.toContain('"listening"')
}

// The key file SQLite mode generates in its data dir; PostgreSQL mode requires --encryption-key instead.
describe.skipIf(BACKEND === 'postgres')('generated secret.key', () => {
	it('is created once with mode 0600 and opens the secrets after a restart', async () => {
		const dir = freshDir()
		let server = await serve(dir)
		const keyFile = join(dir, 'secret.key')
		expect(statSync(keyFile).mode & 0o777).toBe(0o600)
		const key = readFileSync(keyFile, 'utf8').trim()
		expect(Buffer.from(key, 'base64')).toHaveLength(32)
		const ids = await storeSecrets(server.url)
		expect(await server.stop()).toBe(0)
		server = await serve(dir)
		expect(readFileSync(keyFile, 'utf8').trim()).toBe(key) // reused, not regenerated
		await expectReadable(server.url, ids)
		expect(await server.stop()).toBe(0)
		// The database never holds the plaintext.
		const db = new Database(join(dir, 'hookstream.db'), { readonly: true })
		const rows = JSON.stringify([db.query('SELECT verification_secret FROM sources').all(), db.query('SELECT auth_config FROM destinations').all()])
		db.close()
		expect(rows).not.toContain('s3cret-pass')
		expect(rows).not.toContain('tok_at_rest')
	}, 30000)

	it('a replaced secret.key is refused at startup with one clear line', async () => {
		const dir = freshDir()
		const server = await serve(dir)
		await storeSecrets(server.url)
		expect(await server.stop()).toBe(0)
		await Bun.write(join(dir, 'secret.key'), randomBytes(32).toString('base64'))
		await expectKeyRefused(dir, [])
		// A damaged key file: the same kind of answer, naming the file.
		await Bun.write(join(dir, 'secret.key'), 'not a key')
		const damaged = await run([...SOURCE_CLI, 'migrate', '--data-dir', dir])
		expect(damaged.code).toBe(2)
		expect(damaged.stderr.trim().split('\n')).toEqual([expect.stringContaining('secret.key does not hold a 32-byte base64 key')])
	}, 30000)
})

describe('--encryption-key', () => {
	it('uses the given key (no secret.key written), reopens with it, refuses another', async () => {
		const dir = freshDir()
		const key = randomBytes(32).toString('base64')
		let server = await serve(dir, ['--encryption-key', key])
		const ids = await storeSecrets(server.url)
		expect(await server.stop()).toBe(0)
		expect(existsSync(join(dir, 'secret.key'))).toBe(false)
		server = await serve(dir, ['--encryption-key', key])
		await expectReadable(server.url, ids)
		expect(await server.stop()).toBe(0)
		await expectKeyRefused(dir, ['--encryption-key', randomBytes(32).toString('base64')])
		// Forgetting the flag would generate a fresh secret.key: refused the same way.
		await expectKeyRefused(dir, [])
	}, 30000)
})

// Migrates an SQLite data dir and reads its file; PostgreSQL's migrations are applied by openPgStore in every test app.
describe.skipIf(BACKEND === 'postgres')('hookstream migrate', () => {
	it('creates and migrates a fresh data dir, idempotently, and serve starts ready on it', async () => {
		const dir = freshDir()
		const first = await run([...SOURCE_CLI, 'migrate', '--data-dir', dir])
		expect(first).toMatchObject({ code: 0, stdout: 'Migrations applied.\n' })
		const db = new Database(join(dir, 'hookstream.db'), { readonly: true })
		const versions = db.query<{ version: number }, []>('SELECT version FROM _migrations ORDER BY version').all()
		db.close()
		expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version))
		expect((await run([...SOURCE_CLI, 'migrate', '--data-dir', dir])).code).toBe(0)
		const server = await serve(dir)
		expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
		expect(await server.stop()).toBe(0)
	}, 30000)
})
