/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1>` keyed with the Auth Token
 * as UTF-8, over the full URL Twilio requested followed by the POST params.
 *
 * - Form bodies (`application/x-www-form-urlencoded`): params sorted by name,
 *   each appended as `name` + decoded `value` (several values: de-duplicated,
 *   sorted, each appended with the name), as twilio-node does.
 * - A `bodySHA256` query parameter (JSON and other bodies): the signature
 *   covers the URL alone, and the body's SHA-256 hex must equal the parameter.
 * - Any other non-empty body is rejected: the signature would not cover it.
 *
 * `req.url` must be the public URL Twilio called. Like the SDKs, the URL is
 * tried without a port and with the scheme's default port (`:443` / `:80`),
 * then in its `new URL()`-normalised and legacy-querystring spellings.
 * The signature header is `settings.header`, defaulting to `X-Twilio-Signature`.
 * No config keys. Nothing is timestamped; dedup covers replays.
 */
import { createHash } from 'node:crypto'
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring'
import { anySecretSigned, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { decode, readHeader, safeEqualBytes, signatureHeader } from './util'

interface UrlParts {
	scheme: string
	authority: string
	host: string
	rest: string
}

/** Splits without normalising, so the path and query keep the exact characters Twilio signed. */
function splitUrl(url: string): UrlParts | null {
	const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url)
	if (!match || match[1] === undefined || match[2] === undefined) return null
	const authority = match[2]
	const userInfo = authority.slice(0, authority.lastIndexOf('@') + 1)
	const hostAndPort = authority.slice(userInfo.length)
	// In an IPv6 literal the port colon comes after the closing bracket.
	const portAt = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1)
	const host = portAt === -1 ? hostAndPort : hostAndPort.slice(0, portAt)
	return { scheme: match[1], authority, host: userInfo + host, rest: url.slice(match[0].length) }
}

function withoutPort(url: string): string {
	const p = splitUrl(url)
	return p ? p.scheme + p.host + p.rest : url
}

function withDefaultPort(url: string): string {
	const p = splitUrl(url)
	if (!p || p.authority !== p.host) return url
	return p.scheme + p.host + (p.scheme.toLowerCase() === 'https://' ? ':443' : ':80') + p.rest
}

function legacyQuery(url: string): string {
	const at = url.indexOf('?')
	if (at === -1 || at === url.length - 1) return url
	return `${url.slice(0, at)}?${stringifyQuery(parseQuery(url.slice(at + 1)))}`
}

/** Every spelling of the URL twilio-node accepts, as-received spellings first. */
function candidateUrls(url: string): string[] {
	const out = [withoutPort(url), withDefaultPort(url)]
	try {
		const normal = new URL(url).toString()
		const variants = [withoutPort(normal), withDefaultPort(normal)]
		out.push(...variants, ...variants.map(legacyQuery))
	} catch {
		// Unparseable URL: only the as-received spellings apply.
	}
	return [...new Set(out)]
}

/** `name+value` pairs of a form body in Twilio's order. */
function formParams(body: Uint8Array): string | null {
	let text: string
	try {
		text = new TextDecoder('utf-8', { fatal: true }).decode(body)
	} catch {
		return null
	}
	const grouped = new Map<string, string[]>()
	for (const [name, value] of new URLSearchParams(text)) grouped.set(name, [...(grouped.get(name) ?? []), value])
	let out = ''
	for (const name of [...grouped.keys()].sort()) {
		for (const value of [...new Set(grouped.get(name))].sort()) out += name + value
	}
	return out
}

/** What follows the URL in the signed string, or null when the body cannot be bound to the signature. */
function signedParams(req: VerifyRequest): string | null {
	let bodyHash: string | null = null
	try {
		bodyHash = new URL(req.url).searchParams.get('bodySHA256')
	} catch {
		return null
	}
	if (bodyHash !== null) {
		const expected = decode(bodyHash, 'hex')
		const actual = createHash('sha256').update(req.body).digest()
		return expected !== null && safeEqualBytes(actual, expected) ? '' : null
	}
	const type = readHeader(req, 'content-type')?.toLowerCase() ?? ''
	if (type.startsWith('application/x-www-form-urlencoded')) return formParams(req.body)
	return req.body.length === 0 ? '' : null
}

/** HMAC-SHA1 keyed with the Auth Token; nothing else to read from the settings. */
const hasherOf = utf8Keyed('sha1')
const compiledOf = compiledCache(() => true)

/** Verifies a Twilio webhook against the URL variants and every configured Auth Token. */
export function verifyTwilio(req: VerifyRequest, settings: VerifySettings): boolean {
	const header = signatureHeader(req, settings, 'X-Twilio-Signature')
	if (header === null) return false
	const signature = decode(header, 'base64')
	if (signature === null) return false
	const params = signedParams(req)
	if (params === null) return false
	const c = compiledOf(settings)
	for (const url of candidateUrls(req.url)) if (anySecretSigned(c, true, hasherOf, [url, params], [signature])) return true
	return false
}
