import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { copyFileSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { listTemplates } from '../../src/templates'
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
		expect(Object.keys(source)).toHaveLength(32)
		expect(source).toMatchObject({ slug: 'stripe-prod', template: 'stripe', verification_type: 'stripe', verification_enabled: 1 })
		expect(source.url).toBe(`${server.url}/v1/ingest/${source.id}`)
	})

	it('stops cleanly on SIGTERM', async () => {
		expect(await server.stop()).toBe(0)
	})
})
