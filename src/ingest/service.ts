import type { Clock } from '../lib/clock'
import { AppError, Forbidden, Gone, NotFound, SchemaRejected, TooManyRequests, Unauthorized } from '../lib/errors'
import { newId } from '../lib/ids'
import { jsonDepthWithin } from '../lib/json-depth'
import { runSchema } from '../lib/json-schema'
import type { EventRow, PendingEvent } from '../events/repo'
import type { GroupCommitter } from '../db/write'
import type { HandshakeReply } from '../handshakes'
import { verifyRequest, type VerifyRequest } from '../verify'
import type { ClientIpResolver } from './client-ip'
import { dedupKeyOf } from './dedup-key'
import type { RemoteGet } from './remote'
import { PlaidKeyCache } from './plaid-keys'
import { SnsCertCache } from './sns-certs'
import type { RouteCache } from '../routing/route-cache'
import type { CompiledSource, SourceCache } from './source-cache'

/** Bodies up to this size stay in the event row; larger ones go to event_payloads. */
export const INLINE_PAYLOAD_BYTES = 10 * 1024

/** One inbound request (HTTP) or frame (WebSocket), as the pipeline sees it. */
export interface InboundRequest {
	method: string
	/** The absolute URL the sender addressed (public base URL + path + query); Twilio signs it. */
	url: string
	/** The raw query string without `?` when the caller has it at hand ('' for none); else read from `url`. */
	query?: string
	headers: Headers
	peerIp: string | null
	body: Uint8Array
}

/**
 * What a verifier reads of an inbound request. The URL is read through to the request only when
 * a scheme asks for it (building it parses the Host header): a getter of the class, not one made
 * per request in an object literal.
 */
class VerifyInput implements VerifyRequest {
	readonly method: string
	readonly headers: Headers
	readonly body: Uint8Array
	readonly #req: InboundRequest

	constructor(
		req: InboundRequest,
		readonly nowMs: number
	) {
		this.#req = req
		this.method = req.method
		this.headers = req.headers
		this.body = req.body
	}

	get url(): string {
		return this.#req.url
	}
}

export interface IngestResult {
	event_id: string
	source_id: string
	/** Set when the request was a provider's handshake: sent back instead of the usual JSON. */
	reply?: HandshakeReply
}

const decoder = new TextDecoder('utf-8', { fatal: false })

function queryObject(req: InboundRequest): Record<string, string | string[]> | null {
	// Most webhooks carry no query: decide that without building the URL.
	if (req.query === '' || (req.query === undefined && !req.url.includes('?'))) return null
	const params = req.query === undefined ? new URL(req.url).searchParams : new URLSearchParams(req.query)
	if (params.size === 0) return null
	const out: Record<string, string | string[]> = {}
	for (const [k, v] of params) {
		const prev = out[k]
		out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
	}
	return out
}

/**
 * The ingest pipeline after the source is known and the body is read, in the
 * contract's order: IP filter → signature → schema → dedup → durable store.
 * Every step fails closed; nothing is stored for a rejected request.
 */
export class IngestService {
	constructor(
		private readonly cache: SourceCache,
		private readonly committer: GroupCommitter<PendingEvent, number>,
		private readonly clientIp: ClientIpResolver,
		private readonly clock: Clock,
		private readonly routes: RouteCache,
		/** Guarded GETs for SNS certificates and subscription confirmations. */
		private readonly remote: RemoteGet
	) {
		this.#certs = new SnsCertCache(remote, clock)
		this.#plaidKeys = new PlaidKeyCache(remote, clock)
	}

	readonly #certs: SnsCertCache
	readonly #plaidKeys: PlaidKeyCache

	/**
	 * Step 1: the source exists and takes requests. Runs before the body is read.
	 * A source in memory (the common case) is answered without a promise: a
	 * refusal then throws here rather than rejecting.
	 */
	admit(sourceId: string): CompiledSource | Promise<CompiledSource> {
		const cached = this.cache.peek(sourceId)
		if (cached) return this.#admitted(cached)
		return this.cache.get(sourceId).then((source) => this.#admitted(source))
	}

	#admitted(source: CompiledSource | null): CompiledSource {
		if (!source) throw new NotFound('Source')
		const { row } = source
		if (row.status === 'disabled') throw new Forbidden('Source is disabled')
		// Unreachable today: no API sets is_ephemeral, expires_at or request_limit. Test sessions
		// (issue #11) create such sources; these 410/429 paths are tested then. Keep them.
		if (row.is_ephemeral && row.expires_at !== null && row.expires_at <= this.clock.now()) throw new Gone('Source has expired')
		if (row.request_limit !== null && source.accepted >= row.request_limit) throw new TooManyRequests('Source request limit reached')
		return source
	}

	async accept(source: CompiledSource, req: InboundRequest): Promise<IngestResult> {
		const ip = this.clientIp.resolveFrom(req.peerIp, req.headers)
		this.#checkIp(source, ip)
		const now = this.clock.now()
		// Most sources have no handshake: this null test is all they pay.
		const handshake = source.handshake
		if (handshake !== null && !handshake.signed) {
			const answered = await this.#handshake(source, req, ip, now)
			if (answered) return answered
		}
		if (req.method === 'HEAD') throw new AppError(405, 'Method not allowed', undefined, { allow: 'GET, POST, PUT, PATCH, DELETE' })
		const verify = source.verify
		if (verify) {
			const pending = this.#material(verify, req)
			const settings = pending === null ? verify : { ...verify, material: await pending }
			// `url` stays lazy: only schemes that sign the URL read it.
			if (!verifyRequest(new VerifyInput(req, now), settings)) throw new Unauthorized('Invalid signature')
		}
		if (handshake !== null && handshake.signed) {
			const answered = await this.#handshake(source, req, ip, now)
			if (answered) return answered
		}
		let parsed: { value: unknown } | null = null
		const json = () => (parsed ??= { value: parseJson(req.body) }).value
		const schemaOk = this.#checkSchema(source, json)
		const dedupHash = source.dedup ? dedupKeyOf(source.dedup, req.body, req.headers, json) : null
		const headers = this.#headers(source, req.headers)
		const row = this.#row(source, req, headers, ip, now, schemaOk, dedupHash)
		const matched = this.#route(source, row, headers, json)
		// Cached routes (the common case) are routed without a promise.
		const routes = Array.isArray(matched) ? matched : await matched
		await this.committer.write({ row, body: req.body, dedup: dedupHash && source.dedup ? { keyHash: dedupHash, windowMs: source.dedup.windowMs } : null, routes })
		source.accepted++
		// A provider-dictated reply (Dropbox Sign) replaces the usual JSON; WebSocket frames keep theirs.
		const ack = handshake === null || req.method === 'WEBSOCKET' ? null : handshake.ack
		return ack === null ? { event_id: row.id, source_id: source.row.id } : { event_id: row.id, source_id: source.row.id, reply: ack }
	}

	/**
	 * Keys fetched by what the request names, loaded here so verifiers stay
	 * pure: SNS signing certificates, Plaid verification keys. Null, not a
	 * promise, for every other source: their path gains no await.
	 */
	#material(verify: NonNullable<CompiledSource['verify']>, req: InboundRequest): Promise<ReadonlyMap<string, string>> | null {
		if (verify.type === 'aws_sns') return this.#certs.material(req.body, verify.config)
		if (verify.type === 'jwt' && typeof verify.config.plaid_client_id === 'string') return this.#plaidKeys.material(req.headers, verify)
		return null
	}

	/**
	 * A provider challenge is answered synchronously and stored as an event
	 * marked `handshake`: never routed, never deduplicated. Null when the
	 * request is an ordinary delivery.
	 */
	async #handshake(source: CompiledSource, req: InboundRequest, ip: string | null, now: number): Promise<IngestResult | null> {
		if (req.method === 'WEBSOCKET') return null
		const reply = source.handshake?.answer(req) ?? null
		if (reply === null) return null
		if (reply.follow !== undefined) await this.#follow(reply.follow)
		const row = this.#row(source, req, this.#headers(source, req.headers), ip, now, true, null)
		row.verification_status = 'handshake'
		await this.committer.write({ row, body: req.body, dedup: null, routes: [] })
		source.accepted++
		return { event_id: row.id, source_id: source.row.id, reply: { status: reply.status, headers: reply.headers, body: reply.body } }
	}

	/** Confirms a subscription (SNS SubscribeURL) through the SSRF-guarded GET; 502 when it fails. */
	async #follow(url: string): Promise<void> {
		try {
			await this.remote(new URL(url))
		} catch {
			throw new AppError(502, 'Could not confirm the subscription at SubscribeURL')
		}
	}

	#checkIp(source: CompiledSource, ip: string | null): void {
		if (source.deny && ip && source.deny.contains(ip)) throw new Forbidden('IP is in deny list')
		if (source.allow && !(ip && source.allow.contains(ip))) throw new Forbidden('IP is not in allow list')
	}

	/** True when valid or not checked; throws 422 in reject mode; false in warn mode. */
	#checkSchema(source: CompiledSource, json: () => unknown): boolean {
		if (!source.schema) return true
		const value = json()
		const verdict = value === NOT_JSON ? { valid: false, errors: [{ path: '/', message: 'body is not valid JSON' }] } : runSchema(source.schema, value)
		if (verdict.valid) return true
		const errors = verdict.errors
		if (source.row.schema_action === 'warn') return false
		throw new SchemaRejected(errors)
	}

	/** Lowercase header map as stored and as filters see it. */
	#headers(source: CompiledSource, raw: Headers): Record<string, string> {
		const headers = Object.fromEntries(raw)
		// Basic-auth credentials are the source's secret: never keep them in the event.
		if (source.verify?.type === 'basic_auth') {
			const credentialHeader = (source.verify.header ?? 'authorization').toLowerCase()
			if (headers[credentialHeader] !== undefined) headers[credentialHeader] = '[redacted]'
		}
		return headers
	}

	/**
	 * Matching connections become outbox rows in the event's own transaction.
	 * Sets the event's initial status: pending (routed), filtered (connections
	 * exist, none matched) or no_route (none, or the source is paused).
	 */
	#route(source: CompiledSource, row: EventRow, headers: Record<string, string>, json: () => unknown): PendingEvent['routes'] | Promise<PendingEvent['routes']> {
		if (source.row.status !== 'active') return []
		const cached = this.routes.peek(source.row.id)
		if (!cached) return this.routes.get(source.row.id).then((routes) => this.#match(routes, row, headers, json))
		return this.#match(cached, row, headers, json)
	}

	#match(routes: NonNullable<ReturnType<RouteCache['peek']>>, row: EventRow, headers: Record<string, string>, json: () => unknown): PendingEvent['routes'] {
		if (routes.length === 0) return []
		const payload = json()
		const input = { payload: payload === NOT_JSON ? null : payload, headers, method: row.method, content_type: row.content_type, source_ip: row.source_ip }
		const matched = routes.filter((r) => r.matches(input))
		row.status = matched.length > 0 ? 'pending' : 'filtered'
		return matched.map((r) => ({ deliveryId: newId('dlv', row.received_at), connectionId: r.connectionId, destinationId: r.destinationId }))
	}

	#row(source: CompiledSource, req: InboundRequest, headers: Record<string, string>, ip: string | null, now: number, schemaOk: boolean, dedupHash: string | null): EventRow {
		const inline = req.body.byteLength <= INLINE_PAYLOAD_BYTES
		return {
			// The events repo mints the id (and the payload's ref) as it writes the row: ids then follow commit order.
			id: '', org_id: source.row.org_id, env_id: source.row.env_id, source_id: source.row.id, method: req.method,
			headers: JSON.stringify(headers), query_params: jsonOrNull(queryObject(req)),
			content_type: contentTypeOf(source, req, headers), source_ip: ip,
			payload_inline: inline ? req.body : null, payload_ref: inline ? null : 'event_payloads:',
			payload_size: req.body.byteLength,
			verification_status: !schemaOk ? 'schema_invalid' : source.verify ? 'verified' : 'unverified',
			verification_error: schemaOk ? null : 'payload does not match the source JSON schema',
			// The store flips this to 'duplicate' when the key is already within its window.
			dedup_status: 'unique', dedup_hash: dedupHash,
			// Routing (below) turns this into pending or filtered when connections exist.
			status: 'no_route', received_at: now, topic: null
		}
	}
}

/**
 * From the header map already built (the same combined value `Headers.get` gives), except
 * for basic-auth sources, whose map may have a redacted entry where the credential header is.
 */
function contentTypeOf(source: CompiledSource, req: InboundRequest, headers: Record<string, string>): string | null {
	return source.verify?.type === 'basic_auth' ? req.headers.get('content-type') : (headers['content-type'] ?? null)
}

export const NOT_JSON = Symbol('not-json')

const jsonOrNull = (value: unknown) => (value === null ? null : JSON.stringify(value))

function parseJson(body: Uint8Array): unknown {
	// Too deep to filter, validate or show safely: stored byte for byte, but as not-JSON.
	if (!jsonDepthWithin(body)) return NOT_JSON
	try {
		return JSON.parse(decoder.decode(body))
	} catch {
		return NOT_JSON
	}
}
