/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `{t}.{body}`,
 * HMAC-SHA256 keyed with the whole `whsec_…` string (not decoded).
 *
 * Config: `tolerance_seconds` (default 300, `0` disables). Like stripe-node,
 * only the event's age is checked; a future `t` is not rejected.
 * The signature header is `settings.header`, defaulting to `Stripe-Signature`.
 * Other schemes (v0, future versions) are ignored, as stripe-node does.
 */
import { compiledCache } from './compiled'
import { type TimestampedOptions, verifyTimestampedWith } from './timestamped'
import type { VerifyRequest, VerifySettings } from './types'
import { readTolerance, signatureHeader } from './util'

const DEFAULT_TOLERANCE_SECONDS = 300

function readOptions(settings: VerifySettings): TimestampedOptions | null {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	if (tolerance === null) return null
	return {
		format: 'pairs', pairSeparator: ',', groupSeparator: undefined, timestampKey: 't', signatureKey: 'v1',
		payloadSeparator: '.', unit: 's', encoding: 'hex', tolerance, onlyAge: true
	}
}

const compiledOf = compiledCache(readOptions)

/** Verifies a Stripe webhook; any `v1` entry matching any secret passes (rolling secrets send one per secret). */
export function verifyStripe(req: VerifyRequest, settings: VerifySettings): boolean {
	return verifyTimestampedWith(req, compiledOf(settings), signatureHeader(req, settings, 'Stripe-Signature'))
}
