import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeTestApp, type TestApp, tempDir } from '../helpers'

const ROOT = join(import.meta.dir, '..', '..')
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

let t: TestApp
beforeAll(async () => {
	t = await makeTestApp()
})
afterAll(() => t.close())

/** Every `src="…"` and `href="…"` of a page. */
function referencesOf(html: string): string[] {
	return [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? '')
}

describe('/docs works offline', () => {
	it('the page and every asset it references are served by the app itself, with no external URL', async () => {
		const page = await t.call('GET', '/docs', { key: null })
		expect(page.status).toBe(200)
		expect(page.headers.get('content-type')).toContain('text/html')
		const html = await page.text()
		expect(html).not.toMatch(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i)
		const refs = referencesOf(html)
		expect(refs.length).toBeGreaterThanOrEqual(3)
		for (const ref of refs) {
			expect(ref).toStartWith('/docs/')
			const res = await t.call('GET', ref, { key: null })
			expect({ ref, status: res.status }).toEqual({ ref, status: 200 })
			const body = await res.text()
			expect(body.length).toBeGreaterThan(ref.endsWith('init.js') ? 50 : 10000)
			expect(res.headers.get('content-type')).toMatch(ref.endsWith('.css') ? /^text\/css/ : /^text\/javascript/)
		}
	})

	it('the browser is told to load nothing from elsewhere', async () => {
		const csp = (await t.call('GET', '/docs', { key: null })).headers.get('content-security-policy') ?? ''
		for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "style-src 'self'"]) expect(csp).toContain(directive)
		expect(csp).not.toMatch(/https?:|\*/)
	})

	it('the UI loads the document from this server and calls no validator service', async () => {
		const init = await (await t.call('GET', '/docs/assets/init.js', { key: null })).text()
		expect(init).toContain('url: "/docs/json"')
		expect(init).toContain('validatorUrl: null')
		expect(init).not.toMatch(/https?:\/\//)
	})
})

describe('the OpenAPI document', () => {
	it("passes Redocly's recommended lint with no error and no warning", async () => {
		const dir = tempDir('hookstream-lint-')
		try {
			const doc = await (await t.call('GET', '/docs/json', { key: null })).text()
			const file = join(dir, 'openapi.json')
			writeFileSync(file, doc)
			const proc = Bun.spawn([join(ROOT, 'node_modules', '.bin', 'redocly'), 'lint', file, '--format=json', '--extends=recommended'], {
				cwd: dir,
				stdout: 'pipe',
				stderr: 'pipe',
				// Offline and quiet: no telemetry, no update check.
				env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true', DO_NOT_TRACK: '1' }
			})
			const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
			const report = JSON.parse(out.slice(out.indexOf('{'))) as { totals: Record<string, number>; problems: { ruleId: string; message: string }[] }
			expect({ problems: report.problems.map((p) => `${p.ruleId}: ${p.message}`), code }).toEqual({ problems: [], code: 0 })
			expect(report.totals).toMatchObject({ errors: 0, warnings: 0 })
			expect(err).not.toContain('Error')
		} finally {
			rmSync(dir, { recursive: true, force: true })
		}
	}, 30000)

	it('gives every operation its own id and every /v1 operation its error responses', async () => {
		const doc = (await (await t.call('GET', '/docs/json', { key: null })).json()) as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>; servers: unknown[] }
		const ids = Object.values(doc.paths).flatMap((ops) => Object.entries(ops).filter(([m]) => METHODS.includes(m)).map(([, op]) => op.operationId))
		expect(ids.length).toBeGreaterThan(30)
		expect(new Set(ids).size).toBe(ids.length)
		expect(Object.keys(doc.paths['/v1/ingest/{source_id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch', 'post', 'put'])
		expect(doc.servers.length).toBeGreaterThan(0)
		const without4xx = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([m, op]) => METHODS.includes(m) && !Object.keys(op.responses).some((s) => s.startsWith('4'))).map(([m]) => `${m} ${path}`))
		expect(without4xx).toEqual([])
	})
})
