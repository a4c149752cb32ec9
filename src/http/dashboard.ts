import { Elysia } from 'elysia'
import { NotFound } from '../lib/errors'
import page from '../web/index.html'

/** Where the single-page app answers: the root (a newcomer's first visit) and every deep link under /dashboard. */
export const DASHBOARD_PATHS = ['/', '/dashboard', '/dashboard/*'] as const
/** The bundle's scripts and styles, by content-hashed file name. */
export const ASSET_PREFIX = '/dashboard/assets/'

/**
 * The page may run only this origin's scripts and styles, talk only to this
 * origin (fetch and the /v1/ws socket), and never be framed.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

interface Asset {
	body: Blob
	type: string
}

interface Bundle {
	html: Blob
	assets: Map<string, Asset>
}

interface ManifestFile {
	path: string
	loader: string
	headers?: Record<string, string>
}

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', html: 'text/html; charset=utf-8' }

function typeOf(name: string): string {
	return TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream'
}

/**
 * `bun build --compile` bundles the HTML import ahead of time and the import
 * carries a manifest of the embedded files. The HTML refers to its files by
 * root-relative name (`/chunk-….js`); they are served under ASSET_PREFIX and
 * the page's references are rewritten to match.
 */
async function fromManifest(files: ManifestFile[]): Promise<Bundle> {
	const assets = new Map<string, Asset>()
	let html = ''
	for (const f of files) {
		const name = f.path.slice(f.path.lastIndexOf('/') + 1)
		if (f.loader === 'html') html = await Bun.file(f.path).text()
		else assets.set(name, { body: Bun.file(f.path), type: f.headers?.['content-type'] ?? typeOf(name) })
	}
	for (const name of assets.keys()) html = html.replaceAll(`"/${name}"`, `"${ASSET_PREFIX}${name}"`).replaceAll(`"./${name}"`, `"${ASSET_PREFIX}${name}"`)
	return { html: new Blob([html]), assets }
}

/**
 * From source (`bun run`, `bun test`): the same page bundled once in memory,
 * minified like the compiled build, so tests see what users get.
 */
async function fromSource(index: string): Promise<Bundle> {
	const built = await Bun.build({ entrypoints: [index], minify: true, publicPath: ASSET_PREFIX, naming: { entry: '[name].[ext]', chunk: '[name]-[hash].[ext]', asset: '[name]-[hash].[ext]' } })
	if (!built.success) throw new Error(`dashboard bundle failed: ${built.logs.map(String).join('\n')}`)
	const assets = new Map<string, Asset>()
	let html: Blob | null = null
	for (const out of built.outputs) {
		const name = out.path.slice(out.path.lastIndexOf('/') + 1)
		if (name.endsWith('.html')) html = out
		else assets.set(name, { body: out, type: typeOf(name) })
	}
	if (!html) throw new Error('dashboard bundle has no HTML page')
	return { html, assets }
}

let loading: Promise<Bundle> | null = null

/** The bundle, built or read on first request (servers that never show the page pay nothing). */
export function dashboardBundle(): Promise<Bundle> {
	const bundle = page as unknown as { index: string; files?: ManifestFile[] }
	loading ??= bundle.files ? fromManifest(bundle.files) : fromSource(bundle.index)
	return loading
}

/**
 * The dashboard's files, through ordinary routes: Elysia serves HTML imports
 * natively only when the app has no `onRequest` hook, and ours has one (request
 * ids, authentication), so the native path would answer with the manifest as JSON.
 * The HTML is the same for every path; the app reads the path and asks /v1 (the
 * session cookie) for data, so the page itself needs no authentication.
 */
export function dashboardRoutes() {
	const html = async () => new Response((await dashboardBundle()).html, {
		headers: { 'content-type': TYPES.html as string, 'cache-control': 'no-cache', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' }
	})
	const app = new Elysia({ name: 'routes.dashboard' })
	for (const path of DASHBOARD_PATHS) app.get(path, html, { detail: { hide: true } })
	return app.get(`${ASSET_PREFIX}:name`, async ({ params }) => {
		const asset = (await dashboardBundle()).assets.get(params.name)
		if (!asset) throw new NotFound('Dashboard file')
		// Names carry a content hash: a new build is a new name.
		return new Response(asset.body, { headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' } })
	}, { detail: { hide: true } })
}
