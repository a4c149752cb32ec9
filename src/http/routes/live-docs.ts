import { Elysia, t } from 'elysia'
import { AppError } from '../../lib/errors'
import { upgradeResponses } from '../openapi-shared'

const upgradeRequired = () => {
	throw new AppError(426, 'Expected a WebSocket upgrade', undefined, { upgrade: 'websocket' })
}

const PROTOCOL = `Client → server: \`{"type":"subscribe","channel":"events"|"events:<source_id>"|"deliveries"|"deliveries:<destination_id>"|"issues","since"?:"<event_id>"}\`, \`{"type":"unsubscribe","channel"}\`, \`{"type":"ping"}\`.
Server → client: \`{"type":"welcome","org_id","env_id","heartbeat_ms"}\` on connect; \`{"type":"subscribed","channel","replayed","at"}\`; \`{"type":"event","channel","data":{…event, headers, query_params, body, body_encoding}}\` (body is the exact bytes: UTF-8 text, or base64 when \`body_encoding\` is \`base64\`); \`{"type":"delivery","channel","data":{…attempt}}\`; \`{"type":"issue","channel","data"}\`; \`{"type":"heartbeat","ts"}\` every heartbeat interval; \`{"type":"pong"}\`; \`{"type":"error","code","message"}\`.
Resume: a subscribe with \`since\` first sends the events stored after it (at most 1,000, then \`{"type":"gap","resume_since"}\`: subscribe again from there), then live events, with no duplicate and no hole between the two. Overlapping subscriptions (\`events\` and \`events:<id>\`) each get their own copy.
A client that stops reading is disconnected once more than --live-max-buffered-bytes wait for it; it reconnects and resumes with \`since\`.`

/**
 * The WebSocket endpoints as the OpenAPI document shows them. The server upgrades
 * them before the app (src/http/live-socket.ts); a plain HTTP request gets 426.
 */
export function liveDocRoutes() {
	return new Elysia({ name: 'routes.live-docs' })
		.get('/v1/ws', upgradeRequired, {
			query: t.Object({ token: t.Optional(t.String({ description: 'API key (or send X-API-Key / Authorization: Bearer)' })) }),
			detail: {
				summary: 'Live stream (WebSocket)',
				description: `Authenticated at the upgrade: 401 before upgrading without a valid key. A session cookie works too, from a page of this server only (403 for another Origin).\n\n${PROTOCOL}`,
				tags: ['Live'],
				responses: upgradeResponses({
					400: 'Malformed WebSocket handshake',
					401: 'Missing or invalid API key or session',
					403: 'Cookie-authenticated upgrade from another Origin',
					404: 'X-Hookstream-Env names an environment the caller cannot see',
					426: 'A plain HTTP request: this endpoint only upgrades to a WebSocket',
					429: 'Too many streams open for this key or session (20)'
				})
			}
		})
		.get('/v1/ws/test/:session_id', upgradeRequired, {
			params: t.Object({ session_id: t.String({ description: 'Test session id (32 hex)' }) }),
			detail: {
				summary: 'Live feed of one test session (WebSocket)',
				description: 'No auth. Sends the welcome, then `{"type":"event","channel":"<session_id>","data":{…}}` for each request the session receives; 404 for an unknown session, 410 once expired.',
				tags: ['Live', 'Test sessions'],
				security: [],
				responses: upgradeResponses({ 400: 'Malformed WebSocket handshake', 404: 'Unknown test session', 410: 'The test session has expired', 426: 'A plain HTTP request: this endpoint only upgrades to a WebSocket', 429: 'Too many feeds open on this session (20)' })
			}
		})
}
