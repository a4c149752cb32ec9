import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { copyFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { seedBody, tempDir } from '../helpers'
import { ROOT, run, type Running, startProcess } from './process'

/**
 * Builds the single executable exactly as `bun run build` does, copies it alone
 * into an empty folder, and drives it: templates and migrations must be inside.
 */
let work: string
let bin: string
let server: Running
let key: string

beforeAll(async () => {
	work = tempDir('hookstream-bin-')
	const out = join(work, 'build', 'hookstream')
	const build = await run([process.execPath, 'build', join(ROOT, 'src', 'main.ts'), '--compile', '--minify-whitespace', '--minify-syntax', '--outfile', out])
	if (build.code !== 0) throw new Error(`build failed: ${build.stderr}`)
	bin = join(work, 'hookstream')
	copyFileSync(out, bin)
	rmSync(join(work, 'build'), { recursive: true })
	const created = await run([bin, '--create-admin-key', '--data-dir', join(work, 'data')])
	expect(created.code).toBe(0)
	key = created.stdout.trim().split('\n').at(-1) ?? ''
	server = await startProcess([bin, '--port', '0', '--host', '127.0.0.1', '--data-dir', join(work, 'data')])
}, 60000)

afterAll(async () => {
	await server?.stop()
	rmSync(work, { recursive: true, force: true })
})

describe('compiled binary', () => {
	it('is one file that runs with nothing beside it', () => {
		expect(readdirSync(work).sort()).toEqual(['data', 'hookstream'])
		expect(key).toMatch(/^hs_live_[0-9a-f]{64}$/)
	})

	it('is ready and serves the bundled templates', async () => {
		expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
		const res = await fetch(`${server.url}/v1/templates`, { headers: { 'x-api-key': key } })
		const body = (await res.json()) as { templates: { slug: string }[] }
		expect(body.templates).toHaveLength(15)
	})

	it('answers the seed request with 201 and the seed shape', async () => {
		const res = await fetch(`${server.url}/v1/sources`, {
			method: 'POST',
			headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
			body: JSON.stringify(seedBody())
		})
		expect(res.status).toBe(201)
		const { source } = (await res.json()) as { source: Record<string, unknown> }
		expect(Object.keys(source)).toHaveLength(32)
		expect(source).toMatchObject({ slug: 'stripe-prod', template: 'stripe', verification_type: 'stripe', verification_enabled: 1 })
		expect(source.url).toBe(`${server.url}/v1/ingest/${source.id}`)
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

	it('stops cleanly on SIGTERM', async () => {
		expect(await server.stop()).toBe(0)
	})
})
