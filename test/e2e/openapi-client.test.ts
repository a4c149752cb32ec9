import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import openapiTS, { astToString } from 'openapi-typescript'
import { type Harness, startHarness } from './harness'
import { ROOT } from './process'

/**
 * The OpenAPI document is usable by a real client: types generated from the
 * live document by openapi-typescript, an openapi-fetch client written against
 * them that `tsc` accepts (and a misuse it refuses), and that same client
 * creating, listing and deleting a source on a running server.
 */
let h: Harness
let dir: string
beforeAll(async () => {
	h = await startHarness()
	dir = mkdtempSync(join(tmpdir(), 'hookstream-client-'))
})
afterAll(async () => {
	await h.close()
	rmSync(dir, { recursive: true, force: true })
})

const FETCH_MODULE = join(ROOT, 'node_modules', 'openapi-fetch', 'dist', 'index.mjs')

const CLIENT = `import createClient from ${JSON.stringify(FETCH_MODULE)}
import type { paths } from './api'

export async function roundTrip(baseUrl: string, key: string) {
	const client = createClient<paths>({ baseUrl, headers: { 'x-api-key': key } })
	const created = await client.POST('/v1/sources', { body: { name: 'Typed client', slug: 'typed-client' } })
	if (!created.data) throw new Error('create failed: ' + JSON.stringify(created.error))
	const id: string = created.data.source.id
	const listed = await client.GET('/v1/sources', { params: { query: { limit: 50 } } })
	const ids: string[] = (listed.data?.sources ?? []).map((s) => s.id)
	const deleted = await client.DELETE('/v1/sources/{id}', { params: { path: { id } } })
	const gone = await client.GET('/v1/sources/{id}', { params: { path: { id } } })
	const status: number | undefined = gone.error?.status
	return { id, ids, deleted: deleted.data?.success, goneStatus: gone.response.status, goneError: status }
}
`

// Misuses the generated types must catch: a misspelled required field, a wrong path, a missing path parameter.
const MISUSE = `import createClient from ${JSON.stringify(FETCH_MODULE)}
import type { paths } from './api'

const client = createClient<paths>({ baseUrl: 'http://127.0.0.1' })
void client.POST('/v1/sources', { body: { nme: 'x', slug: 'x' } })
void client.GET('/v1/sourcez')
void client.DELETE('/v1/sources/{id}', {})
`

const TSCONFIG = { compilerOptions: { target: 'ESNext', module: 'ESNext', moduleResolution: 'bundler', strict: true, noEmit: true, skipLibCheck: true, lib: ['ESNext', 'DOM'] }, files: ['client.ts', 'misuse.ts'] }

async function tsc(cwd: string): Promise<string> {
	const proc = Bun.spawn([process.execPath, join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', cwd], { cwd, stdout: 'pipe', stderr: 'pipe' })
	const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
	return out + err
}

describe('a generated client', () => {
	it('type-checks against the live document and round-trips a source on a running server', async () => {
		const doc = (await (await fetch(`${h.url}/docs/json`)).json()) as Record<string, unknown>
		writeFileSync(join(dir, 'api.d.ts'), astToString(await openapiTS(doc as never)))
		writeFileSync(join(dir, 'client.ts'), CLIENT)
		writeFileSync(join(dir, 'misuse.ts'), MISUSE)
		writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG))

		const diagnostics = await tsc(dir)
		// The client itself is clean; each misuse is an error.
		expect(diagnostics.split('\n').filter((l) => l.startsWith('client.ts'))).toEqual([])
		const misuses = new Set(diagnostics.split('\n').filter((l) => l.startsWith('misuse.ts')).map((l) => /^misuse\.ts\((\d+),/.exec(l)?.[1]))
		expect([...misuses].sort()).toEqual(['5', '6', '7'])

		const { roundTrip } = (await import(join(dir, 'client.ts'))) as { roundTrip: (url: string, key: string) => Promise<Record<string, unknown>> }
		const result = await roundTrip(h.url, h.key)
		expect(result.id).toMatch(/^src_[0-9a-f]{32}$/)
		expect(result.ids).toContain(result.id)
		expect(result).toMatchObject({ deleted: true, goneStatus: 404, goneError: 404 })
	}, 60000)
})
