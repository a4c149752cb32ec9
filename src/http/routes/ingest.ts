import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import { handleIngest, INGEST_ROUTE } from '../ingest'
import { ErrorEnvelope } from '../openapi-shared'

/**
 * The ingest endpoint inside the Elysia app, for `app.handle` and the OpenAPI
 * document. The server answers ingest requests before Elysia (see server.ts)
 * with the very same handler.
 */
export function ingestRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.ingest' }).all(INGEST_ROUTE, ({ request, server }) => handleIngest(ctx, request, server?.requestIP(request)?.address ?? null), {
		parse: 'none',
		params: t.Object({ source_id: t.String({ examples: ['src_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) }),
		response: { 200: t.Object({ event_id: t.String(), source_id: t.String() }), 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope, 413: ErrorEnvelope, 422: ErrorEnvelope },
		detail: {
			summary: 'Ingest a webhook',
			description: 'No API key: the source\'s IP lists and signature verification guard it. GET, POST, PUT, PATCH and DELETE are accepted. The event is stored durably before the 200.',
			tags: ['Ingest'],
			security: []
		}
	})
}
