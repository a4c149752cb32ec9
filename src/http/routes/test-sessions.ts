import { Elysia, t } from 'elysia'
import { atLeast } from '../../accounts/roles'
import type { AppContext } from '../../context'
import { Forbidden } from '../../lib/errors'
import { ClientIpResolver } from '../../ingest/client-ip'
import { ForwardingBody, NoteBody, ResponseBody, SessionCreated, SessionPage, Session } from '../../sessions/model'
import { exportStream } from '../../sessions/export'
import { credentialOf } from '../auth'
import { baseUrlOf } from '../base-url'
import { ErrorResponses, streamResponses, Success } from '../openapi-shared'
import { peerOf } from '../peer'
import { requestUrl } from '../url'

const IdParams = t.Object({ id: t.String({ description: 'Session id (32 hex)', examples: ['0193a1b2c3d47e8f9a0b1c2d3e4f5a6b'] }) })
const Envelope = t.Object({ session: Session })
const Claimed = t.Object({ source: t.Record(t.String(), t.Unknown()) })
const ListQuery = t.Object(
	{
		cursor: t.Optional(t.String({ description: '`next_cursor` of the previous page' })),
		limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'Default 50' })),
		method: t.Optional(t.String({ pattern: '^[A-Za-z]+$' }))
	},
	{ additionalProperties: false }
)
const ExportQuery = t.Object({ format: t.Optional(t.Union([t.Literal('ndjson'), t.Literal('csv')], { description: 'Default ndjson' })) }, { additionalProperties: false })

/**
 * `/v1/test/sessions` and (the same handlers) `/v1/agent/sessions`. No API key,
 * rate limited per client address; only claim takes a key (it moves the source
 * into the caller's environment).
 */
// Typed as a plain Elysia: mounted twice, its full route types would make the app's type too complex to check.
export function testSessionRoutes(ctx: AppContext, prefix: '/v1/test/sessions' | '/v1/agent/sessions'): Elysia {
	const clientIp = new ClientIpResolver(ctx.config.trustedProxies)
	const base = (request: Request) => baseUrlOf(ctx.config, requestUrl(request))
	const tags = [prefix === '/v1/test/sessions' ? 'Test sessions' : 'Agent sessions']
	const svc = ctx.testSessions
	const routes = new Elysia({ name: `routes.${prefix}`, prefix })
		.post('', async ({ request, set }) => {
			set.status = 201
			return svc.create(clientIp.resolve(peerOf(request), request.headers.get('x-forwarded-for')), base(request))
		}, {
			response: { 201: SessionCreated, 429: ErrorResponses[400], ...ErrorResponses },
			detail: { summary: 'Create a test session', description: `No auth. A throwaway ingest URL: it answers 410 once \`expires_at\` passes (default 14 days) and 429 after \`request_limit\` requests (default 2,000). Rate limited per client address (default 10 per hour; 429 with Retry-After).`, tags, security: [] }
		})
		.get('/:id', ({ params, query, request }) => svc.get(params.id, base(request), query), {
			params: IdParams, query: ListQuery, response: { 200: SessionPage, ...ErrorResponses },
			detail: { summary: 'Get a test session and its events', description: 'Newest first, cursor-paginated; `headers` is a JSON string as in the reference.', tags, security: [] }
		})
		.patch('/:id/response', ({ params, body, request }) => svc.setResponse(params.id, body, base(request)), {
			params: IdParams, body: ResponseBody, response: { 200: Envelope, ...ErrorResponses },
			detail: { summary: 'Set the response senders get', description: '`{status_code, content_type, body}` is returned to every sender instead of `{event_id, source_id}`.', tags, security: [] }
		})
		.patch('/:id/forwarding', ({ params, body, request }) => svc.setForwarding(params.id, body, base(request)), {
			params: IdParams, body: ForwardingBody, response: { 200: Envelope, ...ErrorResponses },
			detail: { summary: 'Relay each event to a URL', description: '`{url, enabled}`. Each event is relayed once, as received (method, headers, exact body), through the same SSRF guard as destinations.', tags, security: [] }
		})
		.get('/:id/export', async ({ params, query }) => {
			const format = query.format ?? 'ndjson'
			const page = await svc.exportPages(params.id)
			return new Response(exportStream(format, page), {
				headers: {
					'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
					'content-disposition': `attachment; filename="test-session-${params.id}.${format}"`
				}
			})
		}, {
			params: IdParams, query: ExportQuery,
			detail: {
				summary: 'Export the events',
				description: 'NDJSON (one event per line) or CSV, oldest first, with headers, exact body (`body_encoding` utf8 or base64) and note.',
				tags,
				security: [],
				responses: streamResponses('The events as an attachment', ['application/x-ndjson', 'text/csv'], { 400: 'Unknown format', 404: 'Unknown test session' })
			}
		})
		.patch('/:id/events/:eventId', ({ params, body }) => svc.setNote(params.id, params.eventId, body.note), {
			params: t.Object({ id: t.String(), eventId: t.String({ description: 'Event id' }) }), body: NoteBody,
			response: { 200: t.Object({ event_id: t.String(), note: t.Union([t.String(), t.Null()]) }), ...ErrorResponses },
			detail: { summary: 'Set a note on an event', tags, security: [] }
		})
		.delete('/:id', async ({ params }) => {
			await svc.delete(params.id)
			return { success: true as const }
		}, {
			params: IdParams, response: { 200: Success, ...ErrorResponses },
			detail: { summary: 'Delete a test session', description: 'Removes the session, its source and its events now.', tags, security: [] }
		})
		.post('/:id/claim', async ({ params, request }) => {
			const auth = await ctx.keys.authenticate(credentialOf(request.headers))
			// The path is public, so the role check of every other write is made here: claiming adds a source.
			if (!atLeast(auth.role, 'member')) throw new Forbidden(`Insufficient permission: the ${auth.role} role cannot do this`)
			await ctx.sources.assertRoom(auth)
			const sourceId = await svc.claim(params.id, auth)
			return { source: await ctx.sources.get(auth, sourceId, base(request)) }
		}, {
			params: IdParams, response: { 200: Claimed, ...ErrorResponses },
			detail: { summary: 'Claim a test session', description: 'API key required (read-only keys get 403; 403 "Plan limit reached" at max_sources). The source becomes a permanent source of the key\'s environment (no expiry, no request limit), with all its events.', tags }
		})
	return routes as unknown as Elysia
}
