/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:{ts}:{body}` (HMAC-SHA256,
 * signing secret as UTF-8), `ts` from `X-Slack-Request-Timestamp`.
 *
 * Config: `timestamp_header` (default `X-Slack-Request-Timestamp`),
 * `tolerance_seconds` (default 300 in both directions, as the Python SDK does;
 * `0` disables). The signature header is `settings.header`, defaulting to
 * `X-Slack-Signature`.
 */
import { anySecretSigned, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { configString, decode, isFresh, parseInteger, readHeader, readTolerance, signatureHeader } from './util'

const DEFAULT_TOLERANCE_SECONDS = 300
const VERSION = 'v0'
const hasherOf = utf8Keyed('sha256')

// The options are read once per source settings (compiled.ts); null: unusable, every request fails.
const compiledOf = compiledCache((settings) => {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	const tsHeader = configString(settings.config, 'timestamp_header')
	return tolerance === null || tsHeader === false ? null : { tolerance, tsHeader: tsHeader || 'X-Slack-Request-Timestamp' }
})

/** Verifies a Slack request signature (slash commands, interactivity, Events API). */
export function verifySlack(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	const o = c.options
	if (o === null) return false
	const header = signatureHeader(req, settings, 'X-Slack-Signature')
	const timestamp = readHeader(req, o.tsHeader)
	if (header === null || timestamp === null || !header.startsWith(`${VERSION}=`)) return false
	const signature = decode(header.slice(VERSION.length + 1), 'hex')
	const seconds = parseInteger(timestamp)
	if (signature === null || seconds === null) return false
	return anySecretSigned(c, o, hasherOf, [`${VERSION}:${timestamp}:`, req.body], [signature]) && isFresh(seconds * 1000, req.nowMs, o.tolerance)
}
