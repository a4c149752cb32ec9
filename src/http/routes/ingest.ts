import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { handleIngest, INGEST_METHODS, INGEST_ROUTE } from '../ingest'
import { ErrorEnvelope } from '../openapi-shared'

/**
 * The ingest endpoint inside the Elysia app, for `app.handle` and the OpenAPI
 * document. The server answers ingest requests before Elysia (see server.ts)
 * with the very same handler. One route per accepted method, so each has its
 * own operation id (a catch-all would also document HEAD, OPTIONS and TRACE).
 */
export function ingestRoutes(ctx: AppContext) {
	const app = new Elysia({ name: 'routes.ingest' })
	for (const method of INGEST_METHODS) {
		app.route(method, INGEST_ROUTE, ({ request, server }) => handleIngest(ctx, request, server?.requestIP(request)?.address ?? null), {
			parse: 'none',
			params: t.Object({ source_id: t.String({ examples: ['src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) }),
			response: { 200: t.Object({ event_id: t.String(), source_id: t.String() }), 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 410: ErrorEnvelope, 413: ErrorEnvelope, 422: ErrorEnvelope, 429: ErrorEnvelope },
			detail: {
				operationId: `ingest${method[0]}${method.slice(1).toLowerCase()}`,
				summary: `Ingest a webhook (${method})`,
				description: 'No API key: the source\'s IP lists and signature verification guard it. GET, POST, PUT, PATCH and DELETE are accepted. The event is stored durably before the 200.',
				tags: ['Ingest'],
				security: []
			}
		})
	}
	return app
}
