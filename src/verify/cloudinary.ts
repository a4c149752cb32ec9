/**
 * Cloudinary notifications: `X-Cld-Signature` is the hex SHA-1 (or SHA-256,
 * per the account's signature algorithm) of `{body}{timestamp}{api_secret}`,
 * the timestamp from `X-Cld-Timestamp`. A plain hash with the secret
 * appended, not an HMAC: that is what Cloudinary's SDKs compute.
 *
 * Config: `algorithm` `sha1` (default) | `sha256`; `tolerance_seconds`
 * (default 7200, the SDKs' `valid_for`; `0` disables). The signature header
 * is `settings.header`, defaulting to `X-Cld-Signature`.
 */
import { createHash } from 'node:crypto'
import type { VerifyRequest, VerifySettings } from './types'
import { activeSecrets, decode, isFresh, parseInteger, readHeader, readTolerance, safeEqualBytes, signatureHeader } from './util'

const DEFAULT_TOLERANCE_SECONDS = 7200

/** Verifies a Cloudinary notification signature. */
export function verifyCloudinary(req: VerifyRequest, settings: VerifySettings): boolean {
	const algorithm = settings.config.algorithm ?? 'sha1'
	const tolerance = readTolerance(settings.config, DEFAULT_TOLERANCE_SECONDS)
	if ((algorithm !== 'sha1' && algorithm !== 'sha256') || tolerance === null) return false
	const header = signatureHeader(req, settings, 'X-Cld-Signature')
	const timestamp = readHeader(req, 'X-Cld-Timestamp')
	const signature = header === null ? null : decode(header, 'hex')
	const seconds = parseInteger(timestamp)
	if (signature === null || timestamp === null || seconds === null) return false
	const ok = activeSecrets(settings).some((secret) =>
		safeEqualBytes(createHash(algorithm).update(req.body).update(timestamp).update(secret).digest(), signature)
	)
	return ok && isFresh(seconds * 1000, req.nowMs, tolerance, true)
}
