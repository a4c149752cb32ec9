import { Elysia, t } from 'elysia'
import type { AppContext } from '../../context'
import type { EventRow } from '../../events/repo'
import { EventFilterQuery } from '../../events/model'
import { ValidationFailed } from '../../lib/errors'
import { asId } from '../../lib/ids'
import { assertScope, authContextOf } from '../auth'
import { livePrincipalOf } from '../../live/principal'
import { tooManyStreams } from '../live-socket'
import { sseResponse } from '../live-sse'
import { streamResponses } from '../openapi-shared'

const StreamQuery = t.Object(
	{
		...EventFilterQuery,
		since: t.Optional(t.String({ description: 'Replay events after this event id first (the Last-Event-ID header takes precedence)' })),
		token: t.Optional(t.String({ description: 'API key, for clients that cannot send headers (EventSource)' }))
	},
	{ additionalProperties: false }
)

type Filters = { source_id?: string | undefined; status?: string | undefined; verification_status?: string | undefined; dedup_status?: string | undefined; method?: string | undefined }

/** The live test for the same filters `GET /v1/events` takes (status as stored at ingest). */
function matcher(q: Filters, sourceId: string | null): (row: EventRow) => boolean {
	const method = q.method?.toUpperCase()
	return (row) =>
		(sourceId === null || row.source_id === sourceId) &&
		(q.status === undefined || row.status === q.status) &&
		(q.verification_status === undefined || row.verification_status === q.verification_status) &&
		(q.dedup_status === undefined || row.dedup_status === q.dedup_status) &&
		(method === undefined || row.method === method)
}

export function streamRoutes(ctx: AppContext) {
	return new Elysia({ name: 'routes.stream' }).get('/v1/events/stream', ({ query, request }) => {
		const auth = authContextOf(request)
		assertScope(auth, query)
		const sourceId = query.source_id === undefined ? null : asId('src', query.source_id)
		if (query.source_id !== undefined && sourceId === null) throw new ValidationFailed('/source_id', 'must be a source id (src_…)', 'query')
		const resumeAt = request.headers.get('last-event-id') ?? query.since
		const since = resumeAt === undefined ? undefined : asId('evt', resumeAt.trim())
		if (since === null) throw new ValidationFailed('/since', 'must be an event id (evt_…); so must Last-Event-ID', 'query')
		const channel = { name: sourceId ? `events:${sourceId}` : 'events', kind: 'events' as const, scope: sourceId }
		const principal = livePrincipalOf(auth)
		if (ctx.live.full(principal)) throw tooManyStreams()
		return sseResponse(ctx.live, {
			scope: { orgId: auth.orgId, envId: auth.envId, principal }, channel, match: matcher(query, sourceId), since,
			signal: request.signal, maxBufferedBytes: ctx.config.liveMaxBufferedBytes
		})
	}, {
		query: StreamQuery,
		detail: {
			responses: streamResponses('The event stream, until the client leaves or its key is revoked', ['text/event-stream'], {
				400: 'Bad filter, since or Last-Event-ID',
				401: 'Missing or invalid API key',
				429: 'Too many streams open for this key or session (20)',
				403: 'org_id or env_id of another tenant',
				404: 'X-Hookstream-Env names an environment the caller cannot see'
			}),
			summary: 'Stream events (Server-Sent Events)',
			description: 'The live event stream over plain HTTP, for curl and proxies that block WebSockets. Takes the filters of `GET /v1/events`; ' +
				'each event is `id: <event id>`, `event: event`, `data: {"type":"event","channel","data":{…event, body, body_encoding}}`. ' +
				'Resume with `Last-Event-ID` (or `?since=`): events stored after it are sent first (at most 1,000, then an `event: gap`). ' +
				'`event: heartbeat` every heartbeat interval. Auth: X-API-Key, Bearer or `?token=`.',
			tags: ['Events']
		}
	})
}
