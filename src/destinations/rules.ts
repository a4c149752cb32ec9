import { ValidationFailed } from '../lib/errors'
import type { AuthType, DestinationAuth, SigningConfig } from './model'

/** Canonical type names (the reference's provider pages). */
export const DESTINATION_TYPES = ['http', 'aws_sqs', 'aws_s3', 'aws_eventbridge', 'gcp_pubsub', 'kafka', 'rabbitmq', 'websocket'] as const
/** One of DESTINATION_TYPES. */
export type DestinationType = (typeof DESTINATION_TYPES)[number]
/** Canonical auth types, in the order error messages list them. */
export const AUTH_TYPES = ['none', 'bearer', 'basic', 'api_key', 'custom'] as const satisfies readonly AuthType[]
/** Seconds: 30 s, 5 min, 30 min, 2 h, 24 h (reference §3.5). */
export const DEFAULT_RETRY_INTERVALS: readonly number[] = [30, 300, 1800, 7200, 86400]

/** The hand-written API page's short names for the provider-page types. */
const TYPE_ALIASES: Record<string, DestinationType> = { sqs: 'aws_sqs', s3: 'aws_s3', eventbridge: 'aws_eventbridge', pubsub: 'gcp_pubsub' }
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/
// The HTTP client owns these: a user value would corrupt framing or routing.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection'])
const MAX_HEADERS = 50
const MAX_CREDENTIAL = 4096
const SIGNING_KEYS = ['secret', 'algorithm', 'header', 'prefix', 'include_timestamp', 'timestamp_header']

const canonical = (value: string) => value.trim().toLowerCase().replaceAll('-', '_')
/** JSON pointer segment escaping (RFC 6901), for paths that name a header. */
const segment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1')

/** Canonical type; 400 for unknown names. */
export function parseDestinationType(value: string | undefined): DestinationType {
	if (value === undefined) return 'http'
	const name = canonical(value)
	const type = TYPE_ALIASES[name] ?? DESTINATION_TYPES.find((t) => t === name)
	if (!type) throw new ValidationFailed('/type', `must be one of ${DESTINATION_TYPES.join(', ')} (got '${value}')`)
	return type
}

/** The provider_config of a request, whichever of its two names was used (both at once must agree). */
export function providerConfigOf(body: { provider_config?: Record<string, unknown> | null; config?: Record<string, unknown> | null }): Record<string, unknown> | null | undefined {
	if (body.provider_config !== undefined && body.config !== undefined && JSON.stringify(body.provider_config) !== JSON.stringify(body.config)) {
		throw new ValidationFailed('/config', 'is an alias of provider_config: send one of them')
	}
	return body.provider_config !== undefined ? body.provider_config : body.config
}

/** Absolute http(s) URL without userinfo (credentials belong in auth_config, which is sealed). */
export function checkUrl(url: string | undefined): string {
	if (url === undefined) throw new ValidationFailed('/url', 'is required for http destinations')
	let parsed: URL | null = null
	try {
		parsed = /\s/.test(url) ? null : new URL(url)
	} catch {}
	if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
		throw new ValidationFailed('/url', 'must be an absolute http or https URL')
	}
	if (parsed.username || parsed.password) throw new ValidationFailed('/url', 'must not contain credentials: use auth_type basic instead')
	return url
}

/** `timeout_ms`, or `timeout` (seconds, the reference's alias); undefined when neither is sent. */
export function timeoutMsOf(body: { timeout_ms?: number | undefined; timeout?: number | undefined }): number | undefined {
	if (body.timeout === undefined) return body.timeout_ms
	const ms = body.timeout * 1000
	if (body.timeout_ms !== undefined && body.timeout_ms !== ms) throw new ValidationFailed('/timeout', `must equal timeout_ms / 1000 when both are sent (got ${body.timeout} and ${body.timeout_ms})`)
	return ms
}

/** `provider_config` (alias `config`) is for the non-http types only. */
export function checkNoProviderConfig(body: { provider_config?: unknown; config?: unknown }): void {
	for (const key of ['provider_config', 'config'] as const) {
		const value = body[key]
		if (value !== undefined && value !== null) throw new ValidationFailed(`/${key}`, 'is only for non-http destination types')
	}
}

/** A name → value map of request headers: valid names, no CR/LF in values, at most 50, no case-insensitive duplicates. */
export function checkHeaderMap(value: unknown, path: string): Record<string, string> {
	if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ValidationFailed(path, 'must be an object of header name → value')
	const entries = Object.entries(value)
	if (entries.length > MAX_HEADERS) throw new ValidationFailed(path, `must have at most ${MAX_HEADERS} headers`)
	const seen = new Set<string>()
	for (const [name, v] of entries) {
		const at = `${path}/${segment(name)}`
		if (!HEADER_NAME.test(name) || name.length > 200) throw new ValidationFailed(at, 'is not a valid HTTP header name')
		if (RESERVED_HEADERS.has(name.toLowerCase())) throw new ValidationFailed(at, 'is set by the HTTP client and cannot be overridden')
		if (seen.has(name.toLowerCase())) throw new ValidationFailed(at, 'is given twice (header names are case-insensitive)')
		seen.add(name.toLowerCase())
		if (typeof v !== 'string') throw new ValidationFailed(at, 'must be a string')
		if (/[\r\n\0]/.test(v)) throw new ValidationFailed(at, 'must not contain CR, LF or NUL')
		if (v.length > 8192) throw new ValidationFailed(at, 'must be at most 8192 characters')
	}
	return Object.fromEntries(entries) as Record<string, string>
}

/** Canonical auth type (hyphen and upper-case spellings accepted). */
export function parseAuthType(value: string): AuthType {
	const type = AUTH_TYPES.find((t) => t === canonical(value))
	if (!type) throw new ValidationFailed('/auth_type', `must be one of ${AUTH_TYPES.join(', ')} (got '${value}')`)
	return type
}

function credential(config: Record<string, unknown>, key: string, type: AuthType): string {
	const value = config[key]
	const path = `/auth_config/${key}`
	if (value === undefined) throw new ValidationFailed(path, `is required for auth_type ${type}`)
	if (typeof value !== 'string' || value.length === 0) throw new ValidationFailed(path, 'must be a non-empty string')
	if (value.length > MAX_CREDENTIAL) throw new ValidationFailed(path, `must be at most ${MAX_CREDENTIAL} characters`)
	// Accepted, such a value would make every delivery fail: it cannot go into a header (or, for basic, is a paste error).
	if (/[\r\n\0]/.test(value)) throw new ValidationFailed(path, 'must not contain CR, LF or NUL')
	return value
}

function onlyKeys(config: Record<string, unknown>, allowed: string[], type: AuthType): void {
	const extra = Object.keys(config).find((k) => !allowed.includes(k))
	if (extra !== undefined) throw new ValidationFailed(`/auth_config/${segment(extra)}`, `is not an allowed field for auth_type ${type}`)
}

/**
 * Checks `auth_config` against `auth_type` and returns it in canonical form
 * (api_key's header default filled). `none` takes no config (absent, null or {}).
 */
export function parseAuth(authType: string, config: Record<string, unknown> | null | undefined): DestinationAuth {
	const type = parseAuthType(authType)
	if (type === 'none') {
		if (config && Object.keys(config).length > 0) throw new ValidationFailed('/auth_config', 'must be empty when auth_type is none')
		return { type, config: null }
	}
	if (!config) throw new ValidationFailed('/auth_config', `is required when auth_type is ${type}`)
	switch (type) {
		case 'bearer':
			onlyKeys(config, ['token'], type)
			return { type, config: { token: credential(config, 'token', type) } }
		case 'basic': {
			onlyKeys(config, ['username', 'password'], type)
			const username = credential(config, 'username', type)
			// RFC 7617: the first colon separates user from password.
			if (username.includes(':')) throw new ValidationFailed('/auth_config/username', 'must not contain a colon')
			return { type, config: { username, password: credential(config, 'password', type) } }
		}
		case 'api_key': {
			onlyKeys(config, ['header', 'key'], type)
			const header = config.header === undefined ? 'X-API-Key' : credential(config, 'header', type)
			if (!HEADER_NAME.test(header) || RESERVED_HEADERS.has(header.toLowerCase())) throw new ValidationFailed('/auth_config/header', 'must be an HTTP header name')
			return { type, config: { header, key: credential(config, 'key', type) } }
		}
		case 'custom': {
			onlyKeys(config, ['headers'], type)
			if (config.headers === undefined) throw new ValidationFailed('/auth_config/headers', 'is required for auth_type custom')
			const headers = checkHeaderMap(config.headers, '/auth_config/headers')
			if (Object.keys(headers).length === 0) throw new ValidationFailed('/auth_config/headers', 'must name at least one header')
			return { type, config: { headers } }
		}
	}
}

function optionalHeaderName(config: Record<string, unknown>, key: string, fallback: string): string {
	const value = config[key]
	if (value === undefined) return fallback
	if (typeof value !== 'string' || !HEADER_NAME.test(value) || value.length > 200) throw new ValidationFailed(`/signing_config/${key}`, 'must be an HTTP header name')
	return value
}

/** Checks `signing_config` field by field and fills every default, so the worker never guesses. */
export function parseSigning(config: Record<string, unknown>): SigningConfig {
	const extra = Object.keys(config).find((k) => !SIGNING_KEYS.includes(k))
	if (extra !== undefined) throw new ValidationFailed(`/signing_config/${segment(extra)}`, 'is not an allowed field')
	const { secret, algorithm = 'sha256', prefix, include_timestamp = false } = config
	if (secret === undefined) throw new ValidationFailed('/signing_config/secret', 'is required')
	if (typeof secret !== 'string' || secret.length < 8 || secret.length > MAX_CREDENTIAL) {
		throw new ValidationFailed('/signing_config/secret', `must be a string of 8 to ${MAX_CREDENTIAL} characters`)
	}
	if (algorithm !== 'sha256' && algorithm !== 'sha1') throw new ValidationFailed('/signing_config/algorithm', 'must be one of sha256, sha1')
	if (prefix !== undefined && (typeof prefix !== 'string' || prefix.length > 64)) throw new ValidationFailed('/signing_config/prefix', 'must be a string of at most 64 characters')
	if (typeof include_timestamp !== 'boolean') throw new ValidationFailed('/signing_config/include_timestamp', 'must be a boolean')
	const signing: SigningConfig = {
		secret,
		algorithm,
		header: optionalHeaderName(config, 'header', 'X-hookstream-Signature'),
		prefix: prefix ?? `${algorithm}=`,
		include_timestamp,
		timestamp_header: optionalHeaderName(config, 'timestamp_header', 'X-hookstream-Timestamp')
	}
	if (signing.include_timestamp && signing.header.toLowerCase() === signing.timestamp_header.toLowerCase()) {
		throw new ValidationFailed('/signing_config/timestamp_header', 'must differ from header')
	}
	return signing
}

/** Header names (lower case) the auth settings send. */
export function authHeaderNames(auth: DestinationAuth): string[] {
	switch (auth.type) {
		case 'bearer':
		case 'basic':
			return ['authorization']
		case 'api_key':
			return [auth.config.header.toLowerCase()]
		case 'custom':
			return Object.keys(auth.config.headers).map((k) => k.toLowerCase())
		default:
			return []
	}
}

/**
 * The signature (and its timestamp) would silently replace a credential header of the
 * same name, so the receiver would never see the token: refuse the pair.
 */
export function checkSigningVsAuth(auth: DestinationAuth, signing: SigningConfig | null): void {
	if (!signing) return
	const taken = new Set(authHeaderNames(auth))
	if (taken.has(signing.header.toLowerCase())) {
		throw new ValidationFailed('/signing_config/header', `must differ from the ${auth.type} auth header '${signing.header}' (header names are case-insensitive)`)
	}
	if (signing.include_timestamp && taken.has(signing.timestamp_header.toLowerCase())) {
		throw new ValidationFailed('/signing_config/timestamp_header', `must differ from the ${auth.type} auth header '${signing.timestamp_header}' (header names are case-insensitive)`)
	}
}
