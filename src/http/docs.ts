import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import bundlePath from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import cssPath from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }

export const DOCS_PATH = '/docs'
export const SPEC_PATH = '/docs/json'
const ASSETS = `${DOCS_PATH}/assets`

/**
 * The interactive API docs, served entirely by this binary: Swagger UI comes
 * from the pinned `swagger-ui-dist` package, embedded at build time, so the page
 * works offline and runs no code fetched at view time. The page's CSP makes that
 * a rule the browser enforces: scripts, styles, fetches and images from this
 * origin only (inline styles are allowed: the UI sets them from its own code).
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** No validator badge (it calls a remote service), no persisted API key, no URL bar to load foreign specs. */
const INIT = `window.ui = SwaggerUIBundle({
	url: ${JSON.stringify(SPEC_PATH)},
	dom_id: '#swagger-ui',
	deepLinking: true,
	validatorUrl: null,
	persistAuthorization: false,
	presets: [SwaggerUIBundle.presets.apis],
	layout: 'BaseLayout'
})
`

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hookstream API</title>
<link rel="stylesheet" href="${ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ASSETS}/swagger-ui-bundle.js"></script>
<script src="${ASSETS}/init.js"></script>
</body>
</html>
`

// The UI's files change only with the pinned package version: let browsers keep them.
const CACHE = 'public, max-age=86400'

function asset(body: Blob | string, type: string): Response {
	return new Response(body, { headers: { 'content-type': type, 'cache-control': CACHE } })
}

export function docsRoutes() {
	return new Elysia({ name: 'routes.docs' })
		.get(DOCS_PATH, () => new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP } }), { detail: { hide: true } })
		.get(`${ASSETS}/swagger-ui-bundle.js`, () => asset(Bun.file(bundlePath), 'text/javascript; charset=utf-8'), { detail: { hide: true } })
		.get(`${ASSETS}/swagger-ui.css`, () => asset(Bun.file(cssPath), 'text/css; charset=utf-8'), { detail: { hide: true } })
		.get(`${ASSETS}/init.js`, () => asset(INIT, 'text/javascript; charset=utf-8'), { detail: { hide: true } })
}

/** The OpenAPI document at SPEC_PATH, built by the plugin from the routes' schemas; the page above is ours (provider: null). */
export function apiDocument(publicUrl: string | null) {
	return openapi({
		provider: null,
		path: DOCS_PATH,
		specPath: SPEC_PATH,
		documentation: {
			info: {
				title: 'hookstream API',
				version: '1',
				description: 'Self-hosted event gateway for webhooks, compatible with the hookstream.io /v1 API.',
				// No license has been chosen for hookstream yet: say so rather than invent one.
				license: { name: 'No license granted yet (all rights reserved)', identifier: 'LicenseRef-All-Rights-Reserved' }
			},
			// The document describes the server that serves it: relative to wherever that is.
			servers: [{ url: publicUrl ?? '/', description: 'This hookstream server' }],
			components: {
				securitySchemes: {
					apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
					bearer: { type: 'http', scheme: 'bearer' },
					session: { type: 'apiKey', in: 'cookie', name: 'better-auth.session_token' },
					metricsToken: { type: 'http', scheme: 'bearer', description: 'GET /metrics only: the --metrics-token value' }
				}
			},
			security: [{ apiKey: [] }, { bearer: [] }, { session: [] }]
		}
	})
}
