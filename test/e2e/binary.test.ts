import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { copyFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { listTemplates } from '../../src/templates'
import { seedBody, tempDir } from '../helpers'
import { BACKEND } from '../support/pg'
import { type ProcessBackend, processBackend } from '../support/process-backend'
import { ROOT, run, type Running, startProcess } from './process'

/**
 * Builds the single executable exactly as `bun run build` does, copies it alone
 * into an empty folder, and drives it: templates and migrations must be inside.
 */
let work: string
let bin: string
let server: Running
let key: string
/** The store of the binary's processes: a fresh PostgreSQL database on the conformance run. */
let backend: ProcessBackend

beforeAll(async () => {
	work = tempDir('hookstream-bin-')
	const out = join(work, 'build', 'hookstream')
	const build = await run([process.execPath, 'build', join(ROOT, 'src', 'main.ts'), join(ROOT, 'src', 'db', 'checkpoint-worker.ts'), '--compile', '--minify-whitespace', '--minify-syntax', '--outfile', out])
	if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`)
	bin = join(work, 'hookstream')
	copyFileSync(out, bin)
	rmSync(join(work, 'build'), { recursive: true })
	backend = await processBackend()
	const created = await run([bin, '--create-admin-key', '--data-dir', join(work, 'data')], backend.env)
	expect(created.code).toBe(0)
	key = created.stdout.trim().split('\n').at(-1) ?? ''
	const owner = Bun.spawn([bin, '--create-admin-user', '--email', 'owner@example.com', '--data-dir', join(work, 'data')], { stdin: new Blob(['owner-password-1\n']), stdout: 'pipe', stderr: 'pipe', env: { ...process.env, ...backend.env } })
	expect(await owner.exited).toBe(0)
	server = await startProcess([bin, '--port', '0', '--host', '127.0.0.1', '--data-dir', join(work, 'data')], backend.env)
}, 60000)

afterAll(async () => {
	await server?.stop()
	await backend?.drop()
	rmSync(work, { recursive: true, force: true })
})

describe('compiled binary', () => {
	it('is one file that runs with nothing beside it', () => {
		// On PostgreSQL the data dir is never made: the database and the key both come from the environment.
		expect(readdirSync(work).sort()).toEqual(BACKEND === 'sqlite' ? ['data', 'hookstream'] : ['hookstream'])
		expect(key).toMatch(/^hs_live_[0-9a-f]{64}$/)
	})

	it('is ready and serves the bundled templates', async () => {
		expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
		const res = await fetch(`${server.url}/v1/templates`, { headers: { 'x-api-key': key } })
		const body = (await res.json()) as { templates: { slug: string }[] }
		// Every JSON template is embedded: the binary lists exactly what the source tree bundles.
		expect(body.templates.map((t) => t.slug)).toEqual(listTemplates().map((t) => t.slug))
	})

	it('answers the seed request with 201 and the seed shape', async () => {
		const res = await fetch(`${server.url}/v1/sources`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify(seedBody())
		})
		expect(res.status).toBe(201)
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		expect(Object.keys(source)).toHaveLength(33) // the seed's 31 keys, url and rate_limit_per_second
		expect(source).toMatchObject({ slug: 'stripe-prod', template: 'stripe', verification_type: 'stripe', verification_enabled: 1 })
		expect(source.url).toBe(`${server.url}/v1/ingest/${source.id}`)
	})

	it('runs transforms in its own child processes, a runaway one included', async () => {
		const api = async (path: string, body: unknown) => {
			const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) })
			return (await res.json()) as Record<string, { id: string }>
		}
		const attemptOf = async (eventId: string) => {
			for (let i = 0; i < 250; i++) {
				const res = await fetch(`${server.url}/v1/delivery-attempts?event_id=${eventId}`, { headers: { 'x-api-key': key } })
				const [a] = ((await res.json()) as { delivery_attempts: Record<string, unknown>[] }).delivery_attempts
				if (a) return a
				await Bun.sleep(20)
			}
			throw new Error('no attempt recorded')
		}
		const src = (await api('/v1/sources', { name: 'tf', slug: 'tf' })).source?.id
		// Loopback is refused by this server's SSRF guard: the transform still runs first, and the
		// recorded body size shows its output.
		const dst = (await api('/v1/destinations', { name: 'tf', slug: 'tf', url: 'http://127.0.0.1:9/x', retry_max_attempts: 1 })).destination?.id
		await api('/v1/connections', { name: 'sum', source_id: src, destination_id: dst, transform_expression: '{"sum": $sum(n)}' })
		const ok = (await api(`/v1/ingest/${src}`, { n: [1, 2, 3] })).event_id as unknown as string
		expect(await attemptOf(ok)).toMatchObject({ error_type: 'network_error', request_body_size: '{"sum":6}'.length })

		const src2 = (await api('/v1/sources', { name: 'tf2', slug: 'tf2' })).source?.id
		await api('/v1/connections', { name: 'runaway', source_id: src2, destination_id: dst, transform_expression: '{"m": $contains(s, /a*a*a*a*a*b/)}' })
		const stuck = (await api(`/v1/ingest/${src2}`, { s: 'a'.repeat(400) })).event_id as unknown as string
		const started = Date.now()
		expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
		expect(Date.now() - started).toBeLessThan(500)
		const failed = await attemptOf(stuck)
		expect(failed).toMatchObject({ error_type: 'transform_error' })
		expect(String(failed.error)).toContain('time limit')
	})

	it('serves /docs and every asset it references from inside the binary', async () => {
		const page = await fetch(`${server.url}/docs`)
		expect(page.status).toBe(200)
		const html = await page.text()
		expect(html).not.toMatch(/https?:\/\//)
		const refs = [...html.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '')
		expect(refs.length).toBeGreaterThanOrEqual(3)
		for (const ref of refs) {
			const res = await fetch(`${server.url}${ref}`)
			expect({ ref, status: res.status, empty: (await res.arrayBuffer()).byteLength === 0 }).toEqual({ ref, status: 200, empty: false })
		}
	})

	it('runs Better Auth inside the binary: the README walkthrough by plain HTTP', async () => {
		const B = server.url
		const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
			fetch(`${B}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: B, ...headers }, body: JSON.stringify(body) })
		const signedIn = await post('/api/auth/sign-in/email', { email: 'owner@example.com', password: 'owner-password-1' })
		expect(signedIn.status).toBe(200)
		const cookie = (signedIn.headers.getSetCookie()[0] ?? '').split(';')[0] as string
		expect(cookie).toMatch(/^better-auth\.session_token=/)
		expect((await fetch(`${B}/v1/sources`, { headers: { cookie } })).status).toBe(200)
		const env = ((await (await post('/v1/environments', { name: 'Staging', slug: 'staging' }, { cookie })).json()) as { environment: { id: string } }).environment.id
		const made = (await (await post('/v1/auth/api-keys', { name: 'staging ci', env_id: env }, { cookie })).json()) as { id: string; key: string }
		const src = (await (await post('/v1/sources', { name: 's', slug: 's' }, { 'x-api-key': made.key })).json()) as { source: { env_id: string } }
		expect(src.source.env_id).toBe(env)
		const inv = (await (await post('/v1/invitations', { email: 'vic@example.com', role: 'viewer' }, { cookie })).json()) as { invite_url: string; invitation: { id: string } }
		expect(new URL(inv.invite_url).pathname).toBe(`/dashboard/invitations/${inv.invitation.id}`)
		const accepted = await post(`/v1/invitations/${inv.invitation.id}/accept`, { name: 'Vic', password: 'viewer-password-1' })
		expect(accepted.status).toBe(201)
		const vic = (accepted.headers.getSetCookie()[0] ?? '').split(';')[0] as string
		expect((await fetch(`${B}/v1/sources`, { headers: { cookie: vic } })).status).toBe(200)
		expect((await post('/v1/sources', { name: 'v', slug: 'v' }, { cookie: vic })).status).toBe(403)
		expect((await fetch(`${B}/v1/auth/api-keys/${made.id}`, { method: 'DELETE', headers: { cookie, origin: B } })).status).toBe(200)
		expect((await fetch(`${B}/v1/sources`, { headers: { 'x-api-key': made.key } })).status).toBe(401)
		expect(server.lines.join('\n')).not.toContain('owner-password-1')
	})

	it('runs the client: listen forwards an event byte for byte', async () => {
		const got: Uint8Array[] = []
		const app = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: async (req) => (got.push(new Uint8Array(await req.arrayBuffer())), new Response('ok')) })
		const home = tempDir('hookstream-bin-home-')
		const listen = Bun.spawn([bin, 'listen', '--forward-to', `http://127.0.0.1:${app.port}/hook`], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: { ...process.env, HOME: home, HOOKSTREAM_API_KEY: key, HOOKSTREAM_URL: server.url } })
		try {
			const src = ((await (await fetch(`${server.url}/v1/sources`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '{"name":"bin","slug":"bin-listen"}' })).json()) as { source: { id: string } }).source.id
			const reader = listen.stderr.getReader()
			let err = ''
			while (!err.includes('Ready!')) err += new TextDecoder().decode((await reader.read()).value)
			const body = new Uint8Array([1, 2, 255, 0])
			expect((await fetch(`${server.url}/v1/ingest/${src}`, { method: 'POST', body })).status).toBe(200)
			for (let i = 0; i < 500 && got.length === 0; i++) await Bun.sleep(20)
			expect(got).toEqual([body])
		} finally {
			listen.kill('SIGINT')
			expect(await listen.exited).toBe(0)
			app.stop(true)
			rmSync(home, { recursive: true, force: true })
		}
	}, 30000)

	// The checkpointer's thread is a second entry point of the build: without it the server falls back to
	// checkpoints on its main thread and says so.
	it.skipIf(BACKEND !== 'sqlite')('checkpoints the WAL on its own thread', async () => {
		for (let i = 0; i < 100 && !server.lines.some((l) => l.includes('WAL checkpointer thread started')); i++) await Bun.sleep(20)
		expect(server.lines.filter((l) => l.includes('WAL checkpointer')).map((l) => JSON.parse(l).msg)).toEqual(['WAL checkpointer thread started'])
	})

	it('stops cleanly on SIGTERM', async () => {
		expect(await server.stop()).toBe(0)
		// The closing checkpoint folded the WAL back: the thread's connection was closed before it.
		if (BACKEND === 'sqlite') expect(readdirSync(join(work, 'data')).filter((f) => f.endsWith('-wal'))).toEqual([])
	})
})
