/**
 * Mailgun: the signature travels in the body. JSON webhooks carry
 * `{"signature": {"timestamp", "token", "signature"}, "event-data": …}`;
 * legacy form posts carry `timestamp`, `token`, `signature` fields. The
 * signature is hex HMAC-SHA256 of `{timestamp}{token}` keyed with the
 * webhook signing key. Mailgun signs only those two values, not the event
 * data, so the token (unique per delivery) is the dedup key.
 *
 * Config: `tolerance_seconds` (default 900, both directions; `0` disables).
 */
import { bodyText, jsonObject, mediaType, stringAt } from './body-fields'
import { anySecretSigned, compiledCache, utf8Keyed } from './compiled'
import type { VerifyRequest, VerifySettings } from './types'
import { decode, isFresh, parseInteger, readHeader, readTolerance } from './util'

const DEFAULT_TOLERANCE_SECONDS = 900
const hasherOf = utf8Keyed('sha256')
// The tolerance is read once per source settings (compiled.ts); null: unusable, every request fails.
const compiledOf = compiledCache((settings) => readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS))

interface Signed {
	timestamp: string
	token: string
	signature: string
}

function readSigned(req: VerifyRequest): Signed | null {
	const text = bodyText(req.body)
	if (text === null) return null
	let source: unknown
	if (mediaType(readHeader(req, 'content-type')) === 'application/x-www-form-urlencoded') {
		const form = new URLSearchParams(text)
		// A repeated field would let a second copy hide behind the verified one.
		if (['timestamp', 'token', 'signature'].some((k) => form.getAll(k).length !== 1)) return null
		source = Object.fromEntries(form)
	} else {
		source = jsonObject(text)?.signature
	}
	const timestamp = stringAt(source, 'timestamp')
	const token = stringAt(source, 'token')
	const signature = stringAt(source, 'signature')
	return timestamp !== null && token !== null && signature !== null ? { timestamp, token, signature } : null
}

/** Verifies a Mailgun webhook against each configured signing key. */
export function verifyMailgun(req: VerifyRequest, settings: VerifySettings): boolean {
	const c = compiledOf(settings)
	const tolerance = c.options
	const signed = tolerance === null ? null : readSigned(req)
	if (signed === null || tolerance === null) return false
	const seconds = parseInteger(signed.timestamp)
	const signature = decode(signed.signature, 'hex')
	if (seconds === null || signature === null || signed.token === '') return false
	return anySecretSigned(c, tolerance, hasherOf, [signed.timestamp, signed.token], [signature]) && isFresh(seconds * 1000, req.nowMs, tolerance)
}
