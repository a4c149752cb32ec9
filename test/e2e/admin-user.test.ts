import { afterEach, describe, expect, it } from 'bun:test'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DB_FILE } from '../../src/db/open'
import { tempDir } from '../helpers'
import { BACKEND } from '../support/pg'
import { type ProcessBackend, processBackend } from '../support/process-backend'
import { run, SOURCE_CLI, startProcess } from './process'

let dirs: string[] = []
let backends: ProcessBackend[] = []
afterEach(async () => {
	for (const d of dirs) rmSync(d, { recursive: true, force: true })
	dirs = []
	for (const b of backends) await b.drop()
	backends = []
})
/** A data dir, and the environment that points every process of the test at one store (PostgreSQL on the conformance run). */
const newDir = async () => {
	const d = tempDir()
	dirs.push(d)
	const backend = await processBackend()
	backends.push(backend)
	return { dir: d, env: backend.env }
}

const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? ''

async function runWithStdin(args: string[], stdin: string, env: Record<string, string>) {
	const proc = Bun.spawn([...SOURCE_CLI, ...args], { stdin: new Blob([stdin]), stdout: 'pipe', stderr: 'pipe', env: { ...process.env, ...env } })
	const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
	return { code, stdout, stderr }
}

/** Signs in against a real server; returns the cookie pair. */
async function signIn(url: string, email: string, password: string): Promise<string> {
	const res = await fetch(`${url}/api/auth/sign-in/email`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) })
	expect(res.status).toBe(200)
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='))
	return (cookie ?? '').split(';')[0] as string
}

describe('first user', () => {
	it('--create-admin-user generates a password, prints it once, and the owner can sign in and use /v1', async () => {
		const { dir, env } = await newDir()
		const out = await run([...SOURCE_CLI, '--create-admin-user', '--email', 'Owner@Example.com', '--name', 'Olga', '--data-dir', dir], env)
		expect(out.code).toBe(0)
		expect(out.stdout).toContain('Created user owner@example.com')
		const password = lastLine(out.stdout)
		expect(password).toMatch(/^[A-Za-z0-9]{24}$/)
		// The user went to the engine under test: no SQLite file on the conformance run.
		expect(existsSync(join(dir, DB_FILE))).toBe(BACKEND === 'sqlite')
		const again = await run([...SOURCE_CLI, '--create-admin-user', '--email', 'owner@example.com', '--data-dir', dir], env)
		expect(again.code).toBe(0)
		expect(again.stdout).toContain('already exists')
		expect(again.stdout).not.toContain(password)
		const server = await startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], env)
		try {
			const cookie = await signIn(server.url, 'owner@example.com', password)
			const me = await fetch(`${server.url}/v1/me`, { headers: { cookie } })
			expect(me.status).toBe(200)
			expect(((await me.json()) as { role: string }).role).toBe('owner')
			const created = await fetch(`${server.url}/v1/sources`, {
				method: 'POST', headers: { cookie, origin: server.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a', slug: 'a' })
			})
			expect(created.status).toBe(201)
		} finally {
			await server.stop()
		}
	})

	it('--create-admin-user reads the password from stdin and never prints it', async () => {
		const { dir, env } = await newDir()
		const out = await runWithStdin(['--create-admin-user', '--email', 'owner@example.com', '--data-dir', dir], 'piped-password-123\n', env)
		expect(out.code).toBe(0)
		expect(out.stdout + out.stderr).not.toContain('piped-password-123')
		expect(out.stdout).not.toContain('Generated password')
		const short = await runWithStdin(['--create-admin-user', '--email', 'short@example.com', '--data-dir', dir], 'short\n', env)
		expect(short.code).toBe(1)
		expect(short.stderr).toContain('Password must be')
		expect(short.stderr).not.toContain('    at ')
	})

	it('--create-admin-user without --email is a usage error', async () => {
		const { dir, env } = await newDir()
		const out = await run([...SOURCE_CLI, '--create-admin-user', '--data-dir', dir], env)
		expect(out.code).toBe(2)
		expect(out.stderr).toContain('--email')
	})

	it('HOOKSTREAM_ADMIN_EMAIL + HOOKSTREAM_ADMIN_PASSWORD at serve: idempotent across restarts, password never logged', async () => {
		const { dir, env: backend } = await newDir()
		const env = { ...backend, HOOKSTREAM_ADMIN_EMAIL: 'ops@example.com', HOOKSTREAM_ADMIN_PASSWORD: 'container-secret-pw' }
		for (let i = 0; i < 2; i++) {
			const server = await startProcess([...SOURCE_CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], env)
			try {
				const cookie = await signIn(server.url, 'ops@example.com', 'container-secret-pw')
				expect((await fetch(`${server.url}/v1/sources`, { headers: { cookie } })).status).toBe(200)
			} finally {
				await server.stop()
			}
			expect(server.lines.join('\n')).not.toContain('container-secret-pw')
			expect(server.lines.join('\n')).toContain(i === 0 ? 'admin user created' : 'already exists')
		}
	})
})
