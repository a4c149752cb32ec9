/**
 * Generic HMAC (`hmac_sha256`, `hmac_sha1`): one configurable verifier that
 * covers GitHub, Shopify, Intercom, Typeform and custom senders.
 *
 * `verification_config` keys (all optional):
 * - `algorithm`: `sha256` | `sha1` | `sha512`. Defaults to the type's own hash.
 * - `encoding`: `hex` (default, case-insensitive) | `base64` | `base64url`.
 * - `prefix`: e.g. `sha256=`. When configured it must be present. When not,
 *   a leading `<algorithm>=` is still stripped, as senders commonly add it.
 * - `key_encoding`: `utf8` (default) | `base64` | `hex`, after stripping
 *   `key_prefix` (e.g. `whsec_`) when the secret starts with it.
 * - `signed_payload` (alias `signed_template`): default `{body}`; may use
 *   `{timestamp}` (from `timestamp_header`), `{id}` (from `id_header`),
 *   `{url}` (the absolute URL the sender addressed: Square, Trello, HubSpot)
 *   and `{method}` (HubSpot v3). `{body}` must appear exactly once, so the
 *   body is always covered.
 * - `timestamp_unit`: `s` (default) | `ms`; `timestamp_format`: `unix`
 *   (default) | `rfc3339` (Twitch, Box); `tolerance_seconds`: default 300,
 *   `0` disables. Checked only when `{timestamp}` is signed.
 * - `multi_sig_separator`: split the header into several candidate signatures.
 * - `secondary_header`: a second header whose signature is also a candidate
 *   (Box signs with a primary and a secondary key).
 *
 * The signature header is `settings.header`, defaulting to `X-Signature`.
 */
import { anySecretSigned, compiledCache } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import {
	configString, decode, decodeBase64Key, isFresh, isHmacAlgorithm, isSignatureEncoding, parseInteger,
	parseRfc3339, readHeader, readTolerance, signatureHeader, type HmacAlgorithm, type SignatureEncoding
} from './util'

/** Header read when a source configures none. */
export const DEFAULT_HMAC_HEADER = 'X-Signature'
const DEFAULT_TOLERANCE_SECONDS = 300

type KeyEncoding = 'utf8' | 'base64' | 'hex'

const PLACEHOLDERS = /\{(body|timestamp|id|url|method)\}/

interface HmacOptions {
	algorithm: HmacAlgorithm
	/** `<algorithm>=`, stripped from a signature when no prefix is configured. */
	algorithmPrefix: string
	encoding: SignatureEncoding
	prefix: string | undefined
	keyEncoding: KeyEncoding
	keyPrefix: string | undefined
	/** `signed_payload` split around its placeholders; odd indexes are placeholder names. */
	template: string[]
	signsTimestamp: boolean
	timestampHeader: string | undefined
	timestampUnit: 's' | 'ms'
	timestampFormat: 'unix' | 'rfc3339'
	idHeader: string | undefined
	tolerance: number
	separator: string | undefined
	secondaryHeader: string | undefined
}

const STRING_KEYS = [
	'prefix', 'key_prefix', 'signed_payload', 'signed_template', 'timestamp_header', 'id_header', 'multi_sig_separator',
	'secondary_header'
] as const
type StringKey = (typeof STRING_KEYS)[number]

/** Every string-valued key, or null when one of them holds a non-string. Empty strings count as unset. */
function readStrings(c: Record<string, unknown>): Partial<Record<StringKey, string>> | null {
	const out: Partial<Record<StringKey, string>> = {}
	for (const key of STRING_KEYS) {
		const value = configString(c, key)
		if (value === false) return null
		if (value) out[key] = value
	}
	return out
}

function readOptions(settings: VerifySettings): HmacOptions | null {
	const c = settings.config
	const algorithm = c.algorithm ?? (settings.type === 'hmac_sha1' ? 'sha1' : 'sha256')
	const encoding = c.encoding ?? 'hex'
	const keyEncoding = c.key_encoding ?? 'utf8'
	const timestampUnit = c.timestamp_unit ?? 's'
	const timestampFormat = c.timestamp_format ?? 'unix'
	if (!isHmacAlgorithm(algorithm) || !isSignatureEncoding(encoding)) return null
	if (keyEncoding !== 'utf8' && keyEncoding !== 'base64' && keyEncoding !== 'hex') return null
	if (timestampUnit !== 's' && timestampUnit !== 'ms') return null
	if (timestampFormat !== 'unix' && timestampFormat !== 'rfc3339') return null
	const s = readStrings(c)
	const tolerance = readTolerance(c, DEFAULT_TOLERANCE_SECONDS)
	if (s === null || tolerance === null) return null
	const template = (s.signed_payload ?? s.signed_template ?? '{body}').split(PLACEHOLDERS)
	const names = template.filter((_, i) => i % 2 === 1)
	// The body must be covered exactly once, and every other placeholder needs a header to fill it.
	if (names.filter((n) => n === 'body').length !== 1) return null
	if (names.includes('timestamp') && !s.timestamp_header) return null
	if (names.includes('id') && !s.id_header) return null
	// A brace left in a literal part is a misspelt placeholder: signing it verbatim would never match.
	if (template.some((p, i) => i % 2 === 0 && /\{[A-Za-z_]+\}/.test(p))) return null
	return {
		algorithm, encoding, keyEncoding, timestampUnit, timestampFormat, tolerance, template,
		algorithmPrefix: `${algorithm}=`,
		signsTimestamp: names.includes('timestamp'),
		prefix: s.prefix,
		keyPrefix: s.key_prefix,
		timestampHeader: s.timestamp_header,
		idHeader: s.id_header,
		separator: s.multi_sig_separator,
		secondaryHeader: s.secondary_header
	}
}

function keyBytes(secret: string, o: HmacOptions): Uint8Array | null {
	const bare = o.keyPrefix && secret.startsWith(o.keyPrefix) ? secret.slice(o.keyPrefix.length) : secret
	if (o.keyEncoding === 'utf8') return Buffer.from(bare, 'utf8')
	return o.keyEncoding === 'base64' ? decodeBase64Key(bare) : decode(bare, 'hex')
}

/** Candidate signatures from the header, prefixes stripped, appended to `out`; entries lacking a required prefix are dropped. */
function addCandidates(value: string, o: HmacOptions, out: Uint8Array[]): void {
	const entries = o.separator ? value.split(o.separator).map((e) => e.trim()).filter((e) => e !== '') : [value]
	for (const entry of entries) {
		let raw = entry
		if (o.prefix) {
			if (!raw.startsWith(o.prefix)) continue
			raw = raw.slice(o.prefix.length)
		} else if (raw.startsWith(o.algorithmPrefix)) {
			raw = raw.slice(o.algorithmPrefix.length)
		}
		const bytes = decode(raw, o.encoding)
		if (bytes) out.push(bytes)
	}
}

/**
 * The signed bytes as ordered parts (the raw body stays bytes), or null when a header they need
 * is missing. Empty literal parts (the default `{body}` template has two) are left out: they add
 * nothing to the MAC.
 */
function signedParts(req: VerifyRequest, o: HmacOptions, timestamp: string | null): (string | Uint8Array)[] | null {
	const id = o.idHeader ? readHeader(req, o.idHeader) : null
	const parts: (string | Uint8Array)[] = []
	for (let i = 0; i < o.template.length; i++) {
		const part = o.template[i] as string
		const value = i % 2 === 0 ? part : placeholder(req, part, timestamp, id)
		if (value === null) return null
		if (value !== '') parts.push(value)
	}
	return parts
}

function placeholder(req: VerifyRequest, name: string, timestamp: string | null, id: string | null): string | Uint8Array | null {
	switch (name) {
		case 'body': return req.body
		case 'timestamp': return timestamp
		case 'id': return id
		case 'url': return req.url
		case 'method': return req.method.toUpperCase()
		default: return null
	}
}

const compiledOf = compiledCache(readOptions)

/** The keyed hasher of a secret; null when its key does not decode or is empty. */
function hasherOf(secret: string, o: HmacOptions): Bun.CryptoHasher | null {
	const key = keyBytes(secret, o)
	return key && key.length > 0 ? new Bun.CryptoHasher(o.algorithm, key) : null
}

/** Verifies a generic HMAC signature; see the module comment for the config keys. */
export function verifyHmac(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	const o = c.options
	if (!o) return false
	const header = signatureHeader(req, settings, DEFAULT_HMAC_HEADER)
	const secondary = o.secondaryHeader ? readHeader(req, o.secondaryHeader) : null
	if (header === null && secondary === null) return false
	const signatures: Uint8Array[] = []
	if (header !== null) addCandidates(header, o, signatures)
	if (secondary !== null) addCandidates(secondary, o, signatures)
	if (signatures.length === 0) return false
	const timestamp = o.timestampHeader ? readHeader(req, o.timestampHeader) : null
	const parts = signedParts(req, o, timestamp)
	if (parts === null) return false
	if (!anySecretSigned(c, o, hasherOf, parts, signatures)) return false
	// Checked only once the MAC holds: before that the timestamp is attacker-controlled noise.
	return !o.signsTimestamp || timestampFresh(timestamp, o, req.nowMs)
}


function timestampFresh(value: string | null, o: HmacOptions, nowMs: number): boolean {
	if (o.timestampFormat === 'rfc3339') {
		const ms = parseRfc3339(value)
		return ms !== null && isFresh(ms, nowMs, o.tolerance)
	}
	const ts = parseInteger(value)
	if (ts === null) return false
	return isFresh(o.timestampUnit === 'ms' ? ts : ts * 1000, nowMs, o.tolerance)
}
