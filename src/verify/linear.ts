/**
 * Linear: `Linear-Signature: <hex>`, HMAC-SHA256 of the raw body keyed with
 * the webhook secret as UTF-8.
 *
 * Freshness comes from the body's `webhookTimestamp` (epoch **milliseconds**),
 * which the HMAC covers. The `Linear-Timestamp` header is deliberately not
 * used: it is unsigned, so a replayed body could carry a fresh one.
 *
 * Config: `tolerance_seconds` (default 60, both directions, as the SDK;
 * `0` disables), `require_timestamp` (default true: Linear always sends the
 * field, so a signed body without one is treated as suspect). The signature
 * header is `settings.header`, defaulting to `Linear-Signature`.
 */
import { anySecretSigned, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { decode, isFresh, readTolerance, signatureHeader } from './util'

const DEFAULT_TOLERANCE_SECONDS = 60
const TIMESTAMP_FIELD = 'webhookTimestamp'
const hasherOf = utf8Keyed('sha256')

// The options are read once per source settings (compiled.ts); null: unusable, every request fails.
const compiledOf = compiledCache((settings) => {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	const requireTimestamp = settings.config.require_timestamp ?? true
	return tolerance === null || typeof requireTimestamp !== 'boolean' ? null : { tolerance, requireTimestamp }
})

/** Verifies a Linear webhook, then the signed `webhookTimestamp`. */
export function verifyLinear(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	const o = c.options
	const header = signatureHeader(req, settings, 'Linear-Signature')
	if (o === null || header === null) return false
	const signature = decode(header, 'hex')
	if (signature === null || !anySecretSigned(c, o, hasherOf, [req.body], [signature])) return false
	const ts = bodyTimestamp(req.body)
	if (ts === undefined) return !o.requireTimestamp
	return ts !== null && isFresh(ts, req.nowMs, o.tolerance)
}

/** The body's `webhookTimestamp` in ms; undefined when absent, null when present but unusable. */
function bodyTimestamp(body: Uint8Array): number | null | undefined {
	let parsed: unknown
	try {
		parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
	} catch {
		return undefined
	}
	if (typeof parsed !== 'object' || parsed === null || !(TIMESTAMP_FIELD in parsed)) return undefined
	const value: unknown = (parsed as Record<string, unknown>)[TIMESTAMP_FIELD]
	const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
	return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null
}
