import { Elysia } from 'elysia'
import type { AppContext } from '../context'
import { readRequestBody } from '../lib/body'
import { BadRequest, UnsupportedMediaType } from '../lib/errors'
import { jsonDepthWithin } from '../lib/json-depth'
import { allowedMethods } from './allow'
import { authDepsOf, authenticateRequest, maybeAuthContextOf } from './auth'
import { dashboardRoutes } from './dashboard'
import { apiDocument, docsRoutes } from './docs'
import { apiRateLimiter } from './rate-limit'
import { INGEST_ROUTE } from './ingest'
import { CLIENT_CLOSED, clientClosed, errorHandler } from './errors'
import { unknownKeys } from './unknown-keys'
import { pathOf } from './url'
import { requestIdOf, startedAtOf, tagRequest } from './request-id'
import { connectionPreviewRoutes } from './routes/connection-preview'
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
import { sourceRoutes } from './routes/sources'
import { streamRoutes } from './routes/stream'
import { liveDocRoutes } from './routes/live-docs'
import { templateRoutes } from './routes/templates'
import { betterAuthHandler, isAuthPath } from './routes/better-auth'
import { accountRoutes } from './routes/account'
import { apiKeyRoutes } from './routes/api-keys'
import { deviceRoutes } from './routes/device'
import { environmentRoutes } from './routes/environments'
import { invitationRoutes, memberRoutes } from './routes/members'
import { testSessionRoutes } from './routes/test-sessions'

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
	if (!jsonDepthWithin(bytes, MAX_API_JSON_DEPTH)) throw new BadRequest(`JSON body is nested deeper than ${MAX_API_JSON_DEPTH} levels`)
	return value
}

/** Stricter than ingest's bound: API bodies are our own resources, which never nest this deep. */
const MAX_API_JSON_DEPTH = 64

/** Builds the whole HTTP surface over a context. Does not listen: tests call `app.handle`. */
export function createApp(ctx: AppContext) {
	const { log, config } = ctx
	// The error mapper (405 vs 404) and the unknown-key screen need the finished route table: both read it on first use.
	const allow = allowedMethods(() => app.routes)
	const screenUnknownKeys = unknownKeys(() => app.routes)
	const authDeps = authDepsOf(ctx)
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
		// Ingest reads its own body, byte for byte, in its handler: parsing it here would consume it first.
		// (null ends the parser chain; undefined would fall through to Elysia's own parsers, which read it too.)
		.onParse({ as: 'global' }, ({ request, route }) => (route === INGEST_ROUTE ? null : parseApiBody(request, config.maxBodyBytes)))
		.onTransform({ as: 'global' }, screenUnknownKeys)
		.onAfterResponse({ as: 'global' }, ({ request, set, route }) => {
			// Ingest logs its own line (it is also served without Elysia).
			if (!config.accessLog || route === INGEST_ROUTE) return
			const started = startedAtOf(request)
			// A client that left mid-request is a 499 whatever the parser made of the cut body.
			const status = clientClosed(request) ? CLIENT_CLOSED : typeof set.status === 'number' ? set.status : 200
			log.access(requestIdOf(request), request.method, route || pathOf(request.url), status, started === undefined ? null : Math.round((performance.now() - started) * 100) / 100)
		})
		.use(apiDocument(config.publicUrl))
		.use(dashboardRoutes())
		.use(docsRoutes())
		.use(healthRoutes(ctx))
		.use(templateRoutes())
		.use(sourceRoutes(ctx))
		.use(destinationRoutes(ctx))
		.use(connectionRoutes(ctx))
		.use(streamRoutes(ctx))
		.use(liveDocRoutes())
		.use(connectionPreviewRoutes(ctx))
		.use(eventRoutes(ctx))
		.use(attemptRoutes(ctx))
		.use(issueRoutes(ctx))
		.use(testSessionRoutes(ctx, '/v1/test/sessions'))
		.use(testSessionRoutes(ctx, '/v1/agent/sessions'))
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
