/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>…]` over
 * `{ts}:{body}` (colon, not dot), HMAC-SHA256 keyed with the `pdl_ntfset_…`
 * endpoint secret as UTF-8.
 *
 * Config: `tolerance_seconds` (default 5, Paddle's SDK value; `0` disables).
 * Like the SDK only the event's age is checked. Unlike the SDK, which keeps
 * only the last `h1` and compares with `===`, every `h1` is tried in constant
 * time. The signature header is `settings.header`, defaulting to
 * `Paddle-Signature`.
 */
import { anySecretSigned, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { decode, isFresh, parseInteger, parsePairs, readTolerance, signatureHeader } from './util'

const DEFAULT_TOLERANCE_SECONDS = 5
const hasherOf = utf8Keyed('sha256')
// The tolerance is read once per source settings (compiled.ts); null: unusable, every request fails.
const compiledOf = compiledCache((settings) => readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS))

/** Verifies a Paddle Billing notification; any `h1` matching any secret passes. */
export function verifyPaddle(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	const tolerance = c.options
	const header = signatureHeader(req, settings, 'Paddle-Signature')
	if (tolerance === null || header === null) return false
	const pairs = parsePairs(header, ';')
	const timestamps = pairs.filter(([k]) => k === 'ts').map(([, v]) => v)
	const ts = timestamps[0]
	if (timestamps.length !== 1 || ts === undefined) return false
	const seconds = parseInteger(ts)
	// `h2` and other future schemes are skipped.
	const signatures = pairs
		.filter(([k]) => k === 'h1')
		.map(([, v]) => decode(v, 'hex'))
		.filter((s): s is Uint8Array => s !== null)
	if (seconds === null || signatures.length === 0) return false
	return anySecretSigned(c, tolerance, hasherOf, [`${ts}:`, req.body], signatures) && isFresh(seconds * 1000, req.nowMs, tolerance, true)
}
