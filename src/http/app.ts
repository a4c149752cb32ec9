import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { readRequestBody } from '../lib/body'
import { BadRequest, UnsupportedMediaType } from '../lib/errors'
import { allowedMethods } from './allow'
import { authenticateRequest, maybeAuthContextOf } from './auth'
import { apiRateLimiter } from './rate-limit'
import { DOCS_PATH, docsRoutes, SPEC_PATH } from './docs'
import { INGEST_ROUTE } from './ingest'
import { CLIENT_CLOSED, clientClosed, errorHandler } from './errors'
import { unknownKeys } from './unknown-keys'
import { pathOf } from './url'
import { requestIdOf, startedAtOf, tagRequest } from './request-id'
import { connectionRoutes } from './routes/connections'
import { destinationRoutes } from './routes/destinations'
import { attemptRoutes } from './routes/attempts'
import { eventRoutes } from './routes/events'
import { issueRoutes } from './routes/issues'
import { metricRoutes } from './routes/metrics'
import { prometheusRoutes } from './routes/prometheus'
import { alertRuleRoutes, channelRoutes } from './routes/alerts'
import { replayRoutes } from './routes/replay'
import { healthRoutes } from './routes/health'
import { ingestRoutes } from './routes/ingest'
import { rootRoutes } from './routes/root'
import { sourceRoutes } from './routes/sources'
import { templateRoutes } from './routes/templates'
import { betterAuthHandler, isAuthPath } from './routes/better-auth'
import { accountRoutes } from './routes/account'
import { apiKeyRoutes } from './routes/api-keys'
import { deviceRoutes } from './routes/device'
import { environmentRoutes } from './routes/environments'
import { invitationRoutes, memberRoutes } from './routes/members'

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i

/**
 * API bodies are JSON of bounded size. A declared oversize is refused before
 * reading; an undeclared one (chunked) is cut off as soon as it passes the cap.
 */
async function parseApiBody(request: Request, maxBytes: number): Promise<unknown> {
	const bytes = await readRequestBody(request, maxBytes)
	// No body at all (DELETE, bodiless POST): let the route's schema decide whether that is allowed.
	if (bytes.byteLength === 0) return null
	if (!JSON_TYPE.test(request.headers.get('content-type') ?? '')) throw new UnsupportedMediaType()
	let value: unknown
	try {
		value = JSON.parse(new TextDecoder().decode(bytes))
	} catch {
		throw new BadRequest('Malformed JSON body')
	}
	// Deep nesting would overflow the stack later (stringify, schema walks): refuse it up front.
	if (depthExceeds(value, MAX_JSON_DEPTH)) throw new BadRequest(`JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`)
	return value
}

const MAX_JSON_DEPTH = 64

/** Iterative, so the check itself cannot overflow. */
function depthExceeds(root: unknown, max: number): boolean {
	const stack: [unknown, number][] = [[root, 1]]
	while (stack.length > 0) {
		const [node, depth] = stack.pop() as [unknown, number]
		if (node === null || typeof node !== 'object') continue
		if (depth > max) return true
		for (const child of Object.values(node)) stack.push([child, depth + 1])
	}
	return false
}

/** Builds the whole HTTP surface over a context. Does not listen: tests call `app.handle`. */
export function createApp(ctx: AppContext) {
	const { log, config } = ctx
	// The error mapper (405 vs 404) and the unknown-key screen need the finished route table: both read it on first use.
	const allow = allowedMethods(() => app.routes)
	const screenUnknownKeys = unknownKeys(() => app.routes)
	const authDeps = { keys: ctx.keys, sessions: ctx.accounts.sessions, publicUrl: config.publicUrl }
	const betterAuth = betterAuthHandler(ctx)
	const rateLimit = apiRateLimiter(config.apiRateLimit, () => ctx.clock.now())
	const app = new Elysia({ normalize: false })
		.use(errorHandler(log, allow))
		.onRequest(async ({ request, set }) => {
			const { id } = tagRequest(request)
			set.headers['x-request-id'] = id
			const path = pathOf(request.url)
			if (isAuthPath(path)) return betterAuth(request)
			await authenticateRequest(authDeps, request, path)
			rateLimit(request, maybeAuthContextOf(request))
		})
		.onParse({ as: 'global' }, ({ request }) => parseApiBody(request, config.maxBodyBytes))
		.onTransform({ as: 'global' }, screenUnknownKeys)
		.onAfterResponse({ as: 'global' }, ({ request, set, route }) => {
			// Ingest logs its own line (it is also served without Elysia).
			if (!config.accessLog || route === INGEST_ROUTE) return
			const started = startedAtOf(request)
			// A client that left mid-request is a 499 whatever the parser made of the cut body.
			const status = clientClosed(request) ? CLIENT_CLOSED : typeof set.status === 'number' ? set.status : 200
			log.access(requestIdOf(request), request.method, route || pathOf(request.url), status, started === undefined ? null : Math.round((performance.now() - started) * 100) / 100)
		})
		.use(
			openapi({
				// The page is ours (docs.ts: a pinned, embedded UI); the plugin only builds the document.
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
					servers: [{ url: config.publicUrl ?? '/', description: 'This hookstream server' }],
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
		)
		.use(rootRoutes())
		.use(docsRoutes())
		.use(healthRoutes(ctx))
		.use(templateRoutes())
		.use(sourceRoutes(ctx))
		.use(destinationRoutes(ctx))
		.use(connectionRoutes(ctx))
		.use(eventRoutes(ctx))
		.use(attemptRoutes(ctx))
		.use(issueRoutes(ctx))
		.use(metricRoutes(ctx))
		.use(prometheusRoutes(ctx))
		.use(channelRoutes(ctx))
		.use(alertRuleRoutes(ctx))
		.use(replayRoutes(ctx))
		.use(ingestRoutes(ctx))
		.use(environmentRoutes(ctx))
		.use(apiKeyRoutes(ctx))
		.use(deviceRoutes(ctx))
		.use(memberRoutes(ctx))
		.use(invitationRoutes(ctx))
		.use(accountRoutes(ctx))
	return app
}

export type App = ReturnType<typeof createApp>
