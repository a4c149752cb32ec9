/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `{t}.{body}`,
 * HMAC-SHA256 keyed with the whole `whsec_…` string (not decoded).
 *
 * Config: `tolerance_seconds` (default 300, `0` disables). Like stripe-node,
 * only the event's age is checked; a future `t` is not rejected.
 * The signature header is `settings.header`, defaulting to `Stripe-Signature`.
 */
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, decode, hmac, isFresh, parseInteger, parsePairs, readTolerance, safeEqualBytes, signatureHeader } from './util'

const DEFAULT_TOLERANCE_SECONDS = 300

/** Verifies a Stripe webhook; any `v1` entry matching any secret passes (rolling secrets send one per secret). */
export function verifyStripe(req: VerifyRequest, settings: VerifySettings): boolean {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	const header = signatureHeader(req, settings, 'Stripe-Signature')
	if (tolerance === null || header === null) return false
	const pairs = parsePairs(header, ',')
	const timestamps = pairs.filter(([k]) => k === 't').map(([, v]) => v)
	// Other schemes (v0, future versions) are ignored, as stripe-node does.
	const signatures = pairs.filter(([k]) => k === 'v1').map(([, v]) => decode(v, 'hex'))
	const t = timestamps[0]
	// Two `t` items make the signed string ambiguous; a real header never has them.
	if (timestamps.length !== 1 || t === undefined) return false
	const seconds = parseInteger(t)
	if (seconds === null) return false
	const valid = signatures.filter((s): s is Buffer => s !== null)
	if (valid.length === 0) return false
	const ok = activeSecrets(settings).some((secret) => {
		const expected = hmac('sha256', secret, `${t}.`, req.body)
		return valid.some((sig) => safeEqualBytes(expected, sig))
	})
	return ok && isFresh(seconds * 1000, req.nowMs, tolerance, true)
}
