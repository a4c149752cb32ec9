/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:{ts}:{body}` (HMAC-SHA256,
 * signing secret as UTF-8), `ts` from `X-Slack-Request-Timestamp`.
 *
 * Config: `timestamp_header` (default `X-Slack-Request-Timestamp`),
 * `tolerance_seconds` (default 300 in both directions, as the Python SDK does;
 * `0` disables). The signature header is `settings.header`, defaulting to
 * `X-Slack-Signature`.
 */
import type { VerifyRequest, VerifySettings } from './types'
import {
	activeSecrets, configString, decode, hmac, isFresh, parseInteger, readHeader, readTolerance, safeEqualBytes, signatureHeader
} from './util'

const DEFAULT_TOLERANCE_SECONDS = 300
const VERSION = 'v0'

/** Verifies a Slack request signature (slash commands, interactivity, Events API). */
export function verifySlack(req: VerifyRequest, settings: VerifySettings): boolean {
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	const tsHeader = configString(settings.config, 'timestamp_header')
	if (tolerance === null || tsHeader === false) return false
	const header = signatureHeader(req, settings, 'X-Slack-Signature')
	const timestamp = readHeader(req, tsHeader || 'X-Slack-Request-Timestamp')
	if (header === null || timestamp === null || !header.startsWith(`${VERSION}=`)) return false
	const signature = decode(header.slice(VERSION.length + 1), 'hex')
	const seconds = parseInteger(timestamp)
	if (signature === null || seconds === null) return false
	const ok = activeSecrets(settings).some((secret) =>
		safeEqualBytes(hmac('sha256', secret, `${VERSION}:${timestamp}:`, req.body), signature)
	)
	return ok && isFresh(seconds * 1000, req.nowMs, tolerance)
}
