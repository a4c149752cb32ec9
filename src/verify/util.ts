/**
 * Shared building blocks for the verifiers. Everything here is total: bad
 * input yields `null` or `false`, never an exception, so a verifier can stay a
 * straight line of checks that each fail closed.
 */
import { timingSafeEqual } from 'node:crypto'
import type { VerifyRequest, VerifySettings } from './types'

/** Hashes the generic HMAC verifier accepts in `config.algorithm`. */
export type HmacAlgorithm = 'sha1' | 'sha256' | 'sha512'
/** Text encodings a signature may arrive in. */
export type SignatureEncoding = 'hex' | 'base64' | 'base64url'

const HMAC_ALGORITHMS: readonly string[] = ['sha1', 'sha256', 'sha512']
const ENCODINGS: readonly string[] = ['hex', 'base64', 'base64url']

/** Narrows a config value to a known HMAC algorithm. */
export function isHmacAlgorithm(value: unknown): value is HmacAlgorithm {
	return typeof value === 'string' && HMAC_ALGORITHMS.includes(value)
}

/** Narrows a config value to a known signature encoding. */
export function isSignatureEncoding(value: unknown): value is SignatureEncoding {
	return typeof value === 'string' && ENCODINGS.includes(value)
}

/**
 * Constant-time byte comparison. The length check comes first because
 * `timingSafeEqual` throws on unequal lengths; a digest's length is fixed by
 * the algorithm, so returning early on it reveals nothing secret.
 */
export function safeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false
	return timingSafeEqual(a, b)
}

/** A header's value (case-insensitive, via `Headers`), or null when absent or blank. */
export function readHeader(req: VerifyRequest, name: string): string | null {
	const value = req.headers.get(name)
	if (value === null) return null
	const trimmed = value.trim()
	return trimmed === '' ? null : trimmed
}

/** The signature header: the configured one when set, else the scheme's default. */
export function signatureHeader(req: VerifyRequest, settings: VerifySettings, fallback: string): string | null {
	const name = settings.header !== null && settings.header.trim() !== '' ? settings.header.trim() : fallback
	return readHeader(req, name)
}

/**
 * The secrets worth trying. An empty secret would make the MAC computable by
 * anyone, so it never counts as configured.
 */
export function activeSecrets(settings: VerifySettings): string[] {
	return settings.secrets.filter((s) => typeof s === 'string' && s !== '')
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/

/**
 * Strict decoding. `Buffer.from(s, 'base64')` silently skips junk, so the
 * result is re-encoded and must round-trip exactly: a signature then has one
 * accepted spelling (canonical, padded base64; base64url with or without
 * padding, since both are common). Hex, once the pattern has vetted it, goes
 * through the native `Uint8Array.fromHex` (several times faster than Buffer's
 * decoder, and signatures are decoded on every request).
 */
export function decode(value: string, encoding: 'base64' | 'base64url'): Buffer | null
export function decode(value: string, encoding: SignatureEncoding): Uint8Array | null
export function decode(value: string, encoding: SignatureEncoding): Uint8Array | null {
	if (encoding === 'hex') return HEX.test(value) ? Uint8Array.fromHex(value) : null
	const pattern = encoding === 'base64' ? BASE64 : BASE64URL
	if (!pattern.test(value)) return null
	const bytes = Buffer.from(value, encoding)
	const canonical = encoding === 'base64' ? bytes.toString('base64') === value : bytes.toString('base64url') === value.replace(/=+$/, '')
	return canonical && bytes.length > 0 ? bytes : null
}

/** Decodes base64 key material, tolerating missing padding (secrets get pasted in many ways). */
export function decodeBase64Key(value: string): Buffer | null {
	const padded = value.length % 4 === 0 ? value : value + '='.repeat(4 - (value.length % 4))
	return decode(padded, 'base64')
}

/** Parses a string of ASCII digits into a safe integer; anything else is null. */
export function parseInteger(value: string | null | undefined): number | null {
	if (value === null || value === undefined || !/^\d{1,16}$/.test(value)) return null
	const n = Number(value)
	return Number.isSafeInteger(n) ? n : null
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

/**
 * An RFC 3339 date-time (Twitch sends nanoseconds, Box an offset) as epoch
 * milliseconds; null for anything else. Strict, so `Date.parse` leniency
 * (e.g. bare dates, local time) never decides freshness.
 */
export function parseRfc3339(value: string | null | undefined): number | null {
	if (typeof value !== 'string') return null
	const m = RFC3339.exec(value)
	if (!m) return null
	const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
	const utc = Date.UTC(y, mo - 1, d, h, mi, s)
	const date = new Date(utc)
	// Date.UTC rolls 30 February over into March; a real timestamp never needs that.
	if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null
	const fractionMs = Number((m[7] ?? '.0').slice(1, 4).padEnd(3, '0'))
	const zone = m[8] ?? 'Z'
	const offsetMin = zone === 'Z' || zone === 'z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)))
	return utc + fractionMs - offsetMin * 60_000
}

/**
 * Reads `config.tolerance_seconds` (a non-negative number, or a string of
 * digits). Returns `fallback` when unset and `null` when set to something
 * unusable, which the caller must treat as a failure. `0` disables the window.
 */
export function readTolerance(config: Record<string, unknown>, fallback: number): number | null {
	const raw = config.tolerance_seconds
	if (raw === undefined || raw === null) return fallback
	if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw : null
	if (typeof raw === 'string') return parseInteger(raw)
	return null
}

/**
 * Whether a signed timestamp is fresh. `onlyAge` mirrors SDKs (Stripe,
 * Paddle) that reject old events but not ones from the future.
 */
export function isFresh(timestampMs: number, nowMs: number, toleranceSeconds: number, onlyAge = false): boolean {
	if (toleranceSeconds === 0) return true
	const age = nowMs - timestampMs
	const limit = toleranceSeconds * 1000
	return onlyAge ? age <= limit : Math.abs(age) <= limit
}

/**
 * Splits a `k=v<sep>k=v` header (Stripe, Paddle) into ordered pairs. Only the
 * first `=` separates, so base64 values with padding survive.
 */
export function parsePairs(header: string, separator: string): [string, string][] {
	const pairs: [string, string][] = []
	forEachPair(header, separator, (key, value) => pairs.push([key, value]))
	return pairs
}

/**
 * parsePairs without building the list: each pair in order, straight to `fn`. The items are
 * found by index, as `header.split(separator)` would cut them, without the array and its strings.
 * An empty separator cuts between characters, where no item holds a pair.
 */
export function forEachPair(header: string, separator: string, fn: (key: string, value: string) => void): void {
	if (separator === '') return
	// The first `=` at or after the item's start (-1: none left), searched again only once the items
	// have passed it, so the header is scanned once however few of its items hold one.
	let at = header.indexOf('=')
	for (let start = 0; ; ) {
		const next = header.indexOf(separator, start)
		const end = next < 0 ? header.length : next
		if (at !== -1 && at < start) at = header.indexOf('=', start)
		if (at > start && at < end) fn(header.slice(start, at).trim(), header.slice(at + 1, end).trim())
		if (next < 0) return
		start = next + separator.length
	}
}

/** Reads an optional string config key; a present non-string value is `false` (invalid). */
export function configString(config: Record<string, unknown>, key: string): string | undefined | false {
	const value = config[key]
	if (value === undefined || value === null) return undefined
	return typeof value === 'string' ? value : false
}
