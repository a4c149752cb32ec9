import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { tempDir } from '../helpers'
import { track } from '../support/children'
import { type ProcessBackend, processBackend } from '../support/process-backend'
import { run, type Running, SOURCE_CLI, startProcess } from './process'
import { until } from '../support/poll'

let dir: string
let home: string
let server: Running
let key: string
let port: number
let owner: { email: string; password: string }
/** The server's store: its processes (server, one-shots on the data dir) share it; the CLI clients only speak HTTP. */
let backend: ProcessBackend

const serverArgs = (p: number) => [...SOURCE_CLI, 'serve', '--port', String(p), '--host', '127.0.0.1', '--data-dir', dir, '--no-access-log', '--live-heartbeat-ms', '200']
const cli = (args: string[], env: Record<string, string> = {}) => run([...SOURCE_CLI, ...args], { HOME: home, HOOKSTREAM_API_KEY: '', HOOKSTREAM_URL: '', ...env })

beforeAll(async () => {
	dir = tempDir()
	home = tempDir('hookstream-home-')
	backend = await processBackend()
	key = (await run([...SOURCE_CLI, '--create-admin-key', '--data-dir', dir], backend.env)).stdout.trim().split('\n').at(-1) ?? ''
	// No password on stdin: one is generated and printed on the last line.
	const made = await run([...SOURCE_CLI, '--create-admin-user', '--email', 'owner@example.com', '--data-dir', dir], backend.env)
	owner = { email: 'owner@example.com', password: made.stdout.trim().split('\n').at(-1) ?? '' }
	server = await startProcess(serverArgs(0), backend.env)
	port = Number(new URL(server.url).port)
})
afterAll(async () => {
	await server.stop()
	await backend.drop()
	rmSync(dir, { recursive: true, force: true })
	rmSync(home, { recursive: true, force: true })
})

describe('login, whoami, logout', () => {
	it('refuses a bad key without saving it', async () => {
		const r = await cli(['login', '--api-key', `hs_live_${'0'.repeat(64)}`, '--base-url', server.url])
		expect(r.code).toBe(1)
		expect(r.stderr).toContain('Invalid API key (401)')
		expect(existsSync(join(home, '.config/hookstream/config.json'))).toBe(false)
	})

	it('saves a good key with mode 0600, then whoami and logout use it', async () => {
		const r = await cli(['login', '--api-key', key, '--base-url', server.url])
		expect(r.code).toBe(0)
		expect(r.stderr).toContain(`Logged in as ${key.slice(0, 12)}`)
		const path = join(home, '.config/hookstream/config.json')
		expect(statSync(path).mode & 0o777).toBe(0o600)
		expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ api_key: key, base_url: server.url })
		const who = await cli(['whoami', '--json'])
		expect(who.code).toBe(0)
		expect(JSON.parse(who.stdout)).toMatchObject({
			base_url: server.url, key_from: 'config file', key: `${key.slice(0, 12)}…`, user: null, role: 'member',
			organization: { id: expect.stringMatching(/^org_/) }, environment: { id: expect.stringMatching(/^env_/), slug: 'production' }, api_key: { id: expect.stringMatching(/^ak_/) }
		})
		expect((await cli(['whoami'])).stdout).toMatch(/Environment\s+Production \(production, env_\w+\)\nRole\s+member/)
		// The environment beats the file, the flag beats the environment.
		expect(JSON.parse((await cli(['whoami', '--json'], { HOOKSTREAM_API_KEY: key })).stdout).key_from).toBe('environment')
		const flagged = await cli(['whoami', '--api-key', `hs_live_${'1'.repeat(64)}`], { HOOKSTREAM_API_KEY: key })
		expect(flagged.code).toBe(1)
		expect((await cli(['logout'])).code).toBe(0)
		expect(existsSync(path)).toBe(false)
		const after = await cli(['whoami'])
		expect(after.code).toBe(1)
		expect(after.stderr).toBe('hookstream: Not logged in: run `hookstream login` or set HOOKSTREAM_API_KEY\n')
	})

	it('device flow: prints the code, a signed-in member approves it, the issued key is saved (0600) and works', async () => {
		const login = spawnCli(['login', '--base-url', server.url, '--no-browser'], { HOOKSTREAM_API_KEY: '', HOOKSTREAM_URL: '' })
		await until(() => /code: [A-Z2-9]{4}-[A-Z2-9]{4}/.test(login.lines.err.join('\n')), { what: 'the user code', timeoutMs: 20_000 })
		const userCode = /code: ([A-Z2-9]{4}-[A-Z2-9]{4})/.exec(login.lines.err.join('\n'))?.[1] as string
		expect(login.lines.err.join('\n')).toContain(`POST /v1/auth/device/approve {"user_code":"${userCode}"}`)

		const cookie = await signIn(owner.email, owner.password)
		const approve = (headers: Record<string, string>) =>
			fetch(`${server.url}/v1/auth/device/approve`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ user_code: userCode }) })
		// A cookie write from a foreign page is refused; an API key cannot approve.
		expect((await approve({ cookie, origin: 'https://evil.example' })).status).toBe(403)
		expect((await approve({ 'x-api-key': key })).status).toBe(403)
		expect((await approve({ cookie, origin: server.url })).status).toBe(200)

		expect(await login.proc.exited).toBe(0)
		expect(login.lines.err.join('\n')).toContain('Logged in as hs_live_')
		const path = join(home, '.config/hookstream/config.json')
		expect(statSync(path).mode & 0o777).toBe(0o600)
		const saved = JSON.parse(readFileSync(path, 'utf8')) as { api_key: string; base_url: string }
		expect(saved).toEqual({ api_key: expect.stringMatching(/^hs_live_[0-9a-f]{64}$/), base_url: server.url })
		expect(saved.api_key).not.toBe(key)
		// The key acts for the approver's environment, as a member (keys never act as owner).
		const sessionEnv = ((await (await fetch(`${server.url}/v1/me`, { headers: { cookie } })).json()) as { environment: { id: string } }).environment.id
		const who = await cli(['whoami', '--json'])
		expect(who.code).toBe(0)
		expect(JSON.parse(who.stdout)).toMatchObject({ key_from: 'config file', role: 'member', user: null, environment: { id: sessionEnv } })
		expect((await cli(['sources', 'list'])).code).toBe(0)
		expect((await cli(['logout'])).code).toBe(0)
	}, 30000)

	it('reports a server without device login instead of hanging', async () => {
		// Not a hookstream server (a wrong --base-url): every path is a 404.
		const other = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json({ error: 'Not found' }, { status: 404 }) })
		try {
			const r = await cli(['login', '--base-url', `http://127.0.0.1:${other.port}`, '--no-browser'])
			expect(r.code).toBe(1)
			expect(r.stderr).toContain('offers no device login (HTTP 404)')
			expect(r.stderr).toContain('--api-key')
		} finally {
			other.stop(true)
		}
	})
})

describe('CRUD commands', () => {
	it('wires a destination and a connection from flags, and reads events', async () => {
		const env = { HOOKSTREAM_API_KEY: key, HOOKSTREAM_URL: server.url }
		const made = async (args: string[]) => {
			const r = await cli([...args, '--json'], env)
			expect(r.code).toBe(0)
			return JSON.parse(r.stdout) as Record<string, { id: string }>
		}
		const src = (await made(['sources', 'create', '--name', 'Ev', '--slug', 'ev-src'])).source?.id as string
		const dst = (await made(['destinations', 'create', '--name', 'D', '--slug', 'ev-dst', '--url', 'https://example.com/hook', '--data', '{"retry_max_attempts":1}'])).destination?.id as string
		const conn = (await made(['connections', 'create', '--name', 'C', '--source', src, '--destination', dst])).connection
		expect(conn?.id).toMatch(/^conn_/)
		const evt = ((await (await fetch(`${server.url}/v1/ingest/${src}`, { method: 'POST', body: '{"x":1}' })).json()) as { event_id: string }).event_id
		const list = await cli(['events', 'list', '--source', src], env)
		expect(list.code).toBe(0)
		expect(list.stdout).toContain(evt)
		expect((await cli(['events', 'get', evt], env)).stdout).toMatch(/body\s+\{"x":1\}/)
		expect((await cli(['events', 'retry', evt], env)).code).toBe(0)
		const bad = await cli(['destinations', 'create', '--data', '[1]'], env)
		expect(bad.code).toBe(2)
		expect(bad.stderr).toContain('--data must be a JSON object')
		const unknown = await cli(['listen', 'no-such-source'], env)
		expect(unknown.code).toBe(1)
		expect(unknown.stderr).toContain("No source 'no-such-source'")
	})

	it('create, list, get and delete a source; errors print the server message', async () => {
		const env = { HOOKSTREAM_API_KEY: key, HOOKSTREAM_URL: server.url }
		const made = await cli(['sources', 'create', '--name', 'CLI', '--slug', 'cli-src', '--json'], env)
		expect(made.code).toBe(0)
		const id = (JSON.parse(made.stdout) as { source: { id: string } }).source.id
		const list = await cli(['sources', 'list'], env)
		expect(list.stdout).toMatch(/^ID\s+SLUG\s+NAME/)
		expect(list.stdout).toContain(id)
		expect((await cli(['sources', 'get', id], env)).stdout).toMatch(/slug\s+cli-src/)
		const dup = await cli(['sources', 'create', '--name', 'CLI', '--slug', 'cli-src'], env)
		expect(dup.code).toBe(1)
		expect(dup.stderr).toContain('(409)')
		expect((await cli(['sources', 'delete', id], env)).stdout).toContain(`Deleted ${id}`)
		const gone = await cli(['sources', 'get', id], env)
		expect(gone.code).toBe(1)
		expect(gone.stderr).toContain('Source not found (404)')
		expect((await cli(['sources', 'explode'], env)).code).toBe(2)
		expect((await cli(['events', 'list', '--status', 'nope'], env)).code).toBe(1)
	})

	it('environments list works with a key; api-keys and environments create explain that they need a signed-in admin', async () => {
		const env = { HOOKSTREAM_API_KEY: key, HOOKSTREAM_URL: server.url }
		const list = await cli(['environments', 'list'], env)
		expect(list.code).toBe(0)
		expect(list.stdout).toMatch(/^ID\s+SLUG\s+NAME\s+CREATED_AT\nenv_\w+\s+production\s+Production/)
		const create = await cli(['environments', 'create', '--name', 'Staging', '--slug', 'staging'], env)
		expect(create.code).toBe(1)
		expect(create.stderr).toContain('API keys cannot use it (403)')
		expect(create.stderr).toContain('POST /v1/environments with a session cookie')
		expect((await cli(['environments', 'list', '--json'], env)).stdout).not.toContain('staging')
		for (const args of [['list'], ['create', '--name', 'k'], ['revoke', 'ak_0123456789abcdef']]) {
			const r = await cli(['api-keys', ...args], env)
			expect(r.code).toBe(1)
			expect(r.stderr).toContain('(403)')
			expect(r.stderr).toContain('`hookstream keys list|create|revoke --data-dir <dir>` on the server host')
		}
	})
})

interface Captured {
	method: string
	path: string
	headers: Record<string, string>
	body: Uint8Array
}

/** A local app that records the exact bytes it was sent. */
function rawReceiver() {
	const got: Captured[] = []
	const srv = Bun.serve({
		port: 0,
		hostname: '127.0.0.1',
		fetch: async (req) => {
			const url = new URL(req.url)
			got.push({ method: req.method, path: url.pathname + url.search, headers: Object.fromEntries(req.headers), body: new Uint8Array(await req.arrayBuffer()) })
			return new Response('ok')
		}
	})
	return { got, url: `http://127.0.0.1:${srv.port}`, stop: () => srv.stop(true) }
}

/** Runs `hookstream listen …` and collects its output lines. */
function startListen(args: string[], env: Record<string, string>) {
	return spawnCli(['listen', ...args], env)
}

/** Signs in over HTTP as a person; returns the session cookie's `name=value`. */
async function signIn(email: string, password: string): Promise<string> {
	const res = await fetch(`${server.url}/api/auth/sign-in/email`, { method: 'POST', headers: { 'content-type': 'application/json', origin: server.url }, body: JSON.stringify({ email, password }) })
	expect(res.status).toBe(200)
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith('better-auth.session_token='))
	return cookie?.split(';')[0] as string
}

/** Runs a long-lived CLI command and collects its output lines. */
function spawnCli(args: string[], env: Record<string, string>) {
	const proc: Subprocess<'ignore', 'pipe', 'pipe'> = Bun.spawn([...SOURCE_CLI, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, HOME: home, ...env } })
	track(proc) // a `listen` a failing test never stops would reconnect forever after the run
	const lines = { out: [] as string[], err: [] as string[] }
	const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
		const decoder = new TextDecoder()
		let buffer = ''
		for await (const chunk of stream) {
			buffer += decoder.decode(chunk, { stream: true })
			const parts = buffer.split('\n')
			buffer = parts.pop() ?? ''
			into.push(...parts)
		}
	}
	void pump(proc.stdout, lines.out)
	void pump(proc.stderr, lines.err)
	return { proc, lines }
}

describe('listen --forward-to', () => {
	it('forwards the exact bytes, method, query and headers, and loses nothing across a server restart', async () => {
		const env = { HOOKSTREAM_API_KEY: key, HOOKSTREAM_URL: server.url }
		const made = JSON.parse((await cli(['sources', 'create', '--name', 'Fwd', '--slug', 'fwd', '--json'], env)).stdout) as { source: { id: string } }
		const src = made.source.id
		const app = rawReceiver()
		const l = startListen(['fwd', '--forward-to', `${app.url}/hook?from=cli`, '--format', 'json'], env)
		await until(() => l.lines.err.some((x) => x.includes('Ready!')), { what: 'Ready!', timeoutMs: 20_000 })
		expect(l.lines.err.join('\n')).toContain(`/v1/ingest/${src}`)

		const binary = new Uint8Array([0, 1, 2, 250, 251, 255, 0x7b, 0x22])
		const send = (body: Uint8Array | string, query = '') =>
			fetch(`${server.url}/v1/ingest/${src}${query}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'x-signature': 'sig=abc', 'x-multi': 'a' }, body })
		expect((await send(binary, '?a=1&b=two')).status).toBe(200)
		await until(() => app.got.length === 1, { what: 'first forward', timeoutMs: 20_000 })
		const [first] = app.got
		expect(first?.method).toBe('PUT')
		expect(first?.path).toBe('/hook?from=cli&a=1&b=two')
		expect(first?.body).toEqual(binary)
		expect(first?.headers).toMatchObject({ 'content-type': 'application/octet-stream', 'x-signature': 'sig=abc', 'x-multi': 'a', 'x-hookstream-event-id': expect.stringMatching(/^evt_/) })
		await until(() => l.lines.out.length === 1, { what: 'json line', timeoutMs: 20_000 })
		expect(JSON.parse(l.lines.out[0] as string)).toMatchObject({ source: 'fwd', method: 'PUT', forward: { status: 200, error: null } })

		// Restart the server on the same port; what is sent before listen reconnects still arrives, once, in order.
		await server.stop()
		server = await startProcess(serverArgs(port), backend.env)
		const bodies = ['{"n":1}', '{"n":2}', '{"n":3}']
		for (const b of bodies) expect((await send(b)).status).toBe(200)
		await until(() => app.got.length === 4, { what: 'replayed forwards', timeoutMs: 20_000 })
		await until(() => l.lines.err.some((x) => x.includes('Reconnected')), { what: 'reconnect line', timeoutMs: 20_000 })
		// Once, not just at least once: forwards keep their order, so a replayed twin would arrive before an event sent after them all.
		expect((await send('{"n":"last"}')).status).toBe(200)
		await until(() => app.got.length >= 5, { what: 'the forward after the replay', timeoutMs: 20_000 })
		expect(app.got.slice(1).map((g) => new TextDecoder().decode(g.body))).toEqual([...bodies, '{"n":"last"}'])

		l.proc.kill('SIGINT')
		expect(await l.proc.exited).toBe(0)
		app.stop()
	}, 60000)

	it('notices a silent connection by its missing heartbeats and reconnects', async () => {
		const env = { HOOKSTREAM_API_KEY: key, HOOKSTREAM_URL: server.url }
		const l = startListen([], env)
		await until(() => l.lines.err.some((x) => x.includes('Ready!')), { what: 'Ready!', timeoutMs: 20_000 })
		server.proc.kill('SIGSTOP') // the socket stays open, nothing arrives: "looks connected"
		try {
			await until(() => l.lines.err.some((x) => x.includes('connection dead')), { what: 'dead connection detection', timeoutMs: 10000 })
		} finally {
			server.proc.kill('SIGCONT')
		}
		await until(() => l.lines.err.some((x) => x.includes('Reconnected')), { what: 'reconnect after SIGCONT', timeoutMs: 20_000 })
		l.proc.kill('SIGTERM')
		expect(await l.proc.exited).toBe(0)
	}, 60000)

	it('exits 1 when its key is revoked while listening', async () => {
		const made = await run([...SOURCE_CLI, '--create-admin-key', '--name', 'revoke-me', '--data-dir', dir], backend.env)
		const id = /Created API key (ak_[0-9a-f]+)/.exec(made.stdout)?.[1] ?? ''
		const l = startListen([], { HOOKSTREAM_API_KEY: made.stdout.trim().split('\n').at(-1) ?? '', HOOKSTREAM_URL: server.url })
		await until(() => l.lines.err.some((x) => x.includes('Ready!')), { what: 'Ready!', timeoutMs: 20_000 })
		expect((await run([...SOURCE_CLI, 'keys', 'revoke', id, '--data-dir', dir], backend.env)).code).toBe(0)
		expect(await l.proc.exited).toBe(1)
		expect(l.lines.err.join('\n')).toContain('revoked')
	}, 30000)

	it('exits non-zero with a clear message on a bad key', async () => {
		const l = startListen([], { HOOKSTREAM_API_KEY: `hs_live_${'2'.repeat(64)}`, HOOKSTREAM_URL: server.url })
		expect(await l.proc.exited).toBe(1)
		expect(l.lines.err.join('\n')).toContain('Invalid API key (401)')
	})
})
